package io.github.adaround.quadratic;

import io.github.adaround.loss.AdaroundLoss;
import io.github.adaround.quant.AdaroundFakeQuantizer;
import io.github.adaround.tf.OpNames;
import io.github.adaround.train.AdamOnV;
import io.github.adaround.train.AdaroundRecipe;
import io.github.adaround.train.VAdamStep;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The training graph of one layer under {@link io.github.adaround.train.Objective#QUADRATIC}, built
 * on an existing quantizer: the {@link QuadraticReconstruction} of its soft output, the AdaRound
 * loss with the recipe's regulariser and beta schedule, and the V-only Adam step. Only the
 * iteration is fed: every step sees the whole calibration set.
 *
 * <pre>
 *   soft(W) -> reconstruction(A, R, c) -> loss(reconstruction, h(V), it) -> Adam on V
 * </pre>
 */
public final class QuadraticLayerGraph {

  private final AdaroundFakeQuantizer quantizer;
  private final Placeholder<TInt64> iteration;
  private final AdaroundLoss loss;
  private final VAdamStep adam;
  private final Op initialize;
  private final AdaroundRecipe recipe;

  private QuadraticLayerGraph(
      Ops tf,
      AdaroundFakeQuantizer quantizer,
      Operand<TFloat32> weight,
      GramStatistics statistics,
      AdaroundRecipe recipe) {
    this.quantizer = quantizer;
    this.recipe = recipe;
    Ops t = tf.withSubScope(OpNames.scopeOf(quantizer.weightName()) + "_quadratic");
    this.iteration =
        t.withName("iteration").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
    Operand<TFloat32> reconstruction =
        QuadraticReconstruction.create(
            t.withSubScope("reconstruction"),
            statistics,
            recipe.loss().reduction(),
            quantizer.softOutput(),
            weight);
    this.loss =
        AdaroundLoss.createWithReconstruction(
            t,
            recipe.loss(),
            recipe.iterations(),
            reconstruction,
            quantizer.softRoundingValue(),
            iteration);
    AdamOnV adamOnV = AdamOnV.create(t, loss, quantizer, recipe);
    this.adam = adamOnV.adam();
    this.initialize = adamOnV.initialize();
  }

  /**
   * @param quantizer the layer weight's quantizer, in the graph of {@code tf}
   * @param weight the FP weight it quantizes
   * @param statistics the layer's sums over the calibration set
   */
  public static QuadraticLayerGraph create(
      Ops tf,
      AdaroundFakeQuantizer quantizer,
      Operand<TFloat32> weight,
      GramStatistics statistics,
      AdaroundRecipe recipe) {
    return new QuadraticLayerGraph(tf, quantizer, weight, statistics, recipe);
  }

  public AdaroundFakeQuantizer quantizer() {
    return quantizer;
  }

  /** The iteration, which drives the beta schedule. */
  public Placeholder<TInt64> iteration() {
    return iteration;
  }

  public AdaroundLoss loss() {
    return loss;
  }

  public VAdamStep adam() {
    return adam;
  }

  /**
   * The Adam step to run at {@code iteration}: {@link VAdamStep#warmStartStep()} while the
   * regulariser is 0, else {@link VAdamStep#step()}.
   */
  public Op stepAt(long iteration) {
    return loss.isWarmStart(iteration) ? adam.warmStartStep() : adam.step();
  }

  /** Observes the weight (scale, V) and resets Adam: run once before training. */
  public Op initialize() {
    return initialize;
  }

  public AdaroundRecipe recipe() {
    return recipe;
  }
}
