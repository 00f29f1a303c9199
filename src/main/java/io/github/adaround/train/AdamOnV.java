package io.github.adaround.train;

import io.github.adaround.loss.AdaroundLoss;
import io.github.adaround.quant.AdaroundFakeQuantizer;
import java.util.List;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;

/**
 * The end of every layer's training graph, whatever the objective: the V-only Adam step on the loss
 * (and its warm-start step on the reconstruction term alone), and the op run once before training
 * that observes the weight (scale, V) and resets Adam.
 *
 * @param adam the Adam step on the quantizer's V
 * @param initialize the op that runs the quantizer's observation and {@code adam}'s reset
 */
public record AdamOnV(VAdamStep adam, Op initialize) {

  /**
   * Builds the Adam step (with the recipe's settings and learning rate) and then {@code
   * initialize}, both in the scope of {@code t}.
   *
   * @param loss the layer's loss, whose total Adam minimises
   * @param quantizer the quantizer whose V is trained
   */
  public static AdamOnV create(
      Ops t, AdaroundLoss loss, AdaroundFakeQuantizer quantizer, AdaroundRecipe recipe) {
    VAdamStep adam =
        VAdamStep.create(
            t,
            loss.total(),
            loss.reconstruction(),
            quantizer.v(),
            recipe.adam(),
            recipe.learningRate());
    Op initialize =
        t.withControlDependencies(List.of(quantizer.observe(), adam.reset()))
            .withName("initialize")
            .noOp();
    return new AdamOnV(adam, initialize);
  }
}
