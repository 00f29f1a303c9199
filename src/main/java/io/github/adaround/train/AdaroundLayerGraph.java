package io.github.adaround.train;

import io.github.adaround.loss.AdaroundLoss;
import io.github.adaround.quant.AdaroundFakeQuantizer;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.tf.OpNames;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The training graph of one layer, built into a caller's graph: quantizer of the weight, the layer
 * on a minibatch with the soft-quantized weight, the AdaRound loss against the FP target, and the
 * V-only Adam step.
 *
 * <pre>
 *   x, y (fed or gathered) -> out = layer(x, soft(W)) -> loss(out, y, h(V), it) -> Adam on V
 * </pre>
 *
 * The minibatch and its target are fed, or gathered by fed indices from samples stored in the graph
 * ({@link GraphMinibatch}); the iteration is fed.
 */
public final class AdaroundLayerGraph {

  private final AdaroundFakeQuantizer quantizer;
  private final GraphMinibatch minibatch;
  private final PlaceholderWithDefault<TFloat32> input;
  private final PlaceholderWithDefault<TFloat32> target;
  private final Placeholder<TInt64> iteration;
  private final Operand<TFloat32> quantizedOutput;
  private final Operand<TFloat32> hardOutput;
  private final Operand<TFloat32> nearestOutput;
  private final AdaroundLoss loss;
  private final VAdamStep adam;
  private final Op initialize;
  private final AdaroundRecipe recipe;
  private final Shape inputSample;
  private final Shape targetSample;

  private AdaroundLayerGraph(
      Ops tf,
      Operand<TFloat32> weight,
      String weightName,
      QuantSpec spec,
      LayerFunction layer,
      Shape inputSample,
      Shape targetSample,
      AdaroundRecipe recipe,
      float[] fixedScale) {
    this.recipe = recipe;
    this.inputSample = inputSample;
    this.targetSample = targetSample;
    this.quantizer =
        fixedScale == null
            ? AdaroundFakeQuantizer.create(tf, weight, spec, weightName)
            : AdaroundFakeQuantizer.createWithScale(tf, weight, spec, weightName, fixedScale);
    Ops t = tf.withSubScope(OpNames.scopeOf(weightName) + "_train");
    this.minibatch = GraphMinibatch.create(t, inputSample, targetSample);
    this.input =
        t.withName("input").placeholderWithDefault(minibatch.inputBatch(), batched(inputSample));
    this.target =
        t.withName("target").placeholderWithDefault(minibatch.targetBatch(), batched(targetSample));
    this.iteration =
        t.withName("iteration").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
    this.quantizedOutput = layer.apply(t, input, quantizer.softOutput());
    this.hardOutput = layer.apply(t, input, quantizer.hardOutput());
    this.nearestOutput = layer.apply(t, input, quantizer.nearestOutput());
    this.loss =
        AdaroundLoss.create(
            t,
            recipe.loss(),
            recipe.iterations(),
            quantizedOutput,
            target,
            quantizer.softRoundingValue(),
            iteration);
    AdamOnV adamOnV = AdamOnV.create(t, loss, quantizer, recipe);
    this.adam = adamOnV.adam();
    this.initialize = adamOnV.initialize();
  }

  /**
   * Builds the training graph of the layer that uses {@code weight}.
   *
   * @param inputSample the shape of one input sample (no batch axis)
   * @param targetSample the shape of one FP output sample (no batch axis)
   */
  public static AdaroundLayerGraph create(
      Ops tf,
      Operand<TFloat32> weight,
      String weightName,
      QuantSpec spec,
      LayerFunction layer,
      Shape inputSample,
      Shape targetSample,
      AdaroundRecipe recipe) {
    return new AdaroundLayerGraph(
        tf, weight, weightName, spec, layer, inputSample, targetSample, recipe, null);
  }

  /**
   * As {@link #create}, on a grid chosen elsewhere (see {@link
   * AdaroundFakeQuantizer#createWithScale}); a null {@code scale} means the min-max observer's.
   */
  public static AdaroundLayerGraph createWithScale(
      Ops tf,
      Operand<TFloat32> weight,
      String weightName,
      QuantSpec spec,
      LayerFunction layer,
      Shape inputSample,
      Shape targetSample,
      AdaroundRecipe recipe,
      float[] scale) {
    return new AdaroundLayerGraph(
        tf, weight, weightName, spec, layer, inputSample, targetSample, recipe, scale);
  }

  private static Shape batched(Shape sample) {
    return Shape.of(-1).append(sample);
  }

  public AdaroundFakeQuantizer quantizer() {
    return quantizer;
  }

  /**
   * The minibatch of layer inputs, {@code [batch, ...inputSample]}: fed, or else gathered from the
   * {@link #minibatch()}'s stored samples.
   */
  public PlaceholderWithDefault<TFloat32> input() {
    return input;
  }

  /** The FP outputs of the same samples, {@code [batch, ...targetSample]}, fed or gathered. */
  public PlaceholderWithDefault<TFloat32> target() {
    return target;
  }

  /** The calibration samples stored in the graph, and the minibatch gathered from them. */
  GraphMinibatch minibatch() {
    return minibatch;
  }

  /** The iteration, which drives the beta schedule. */
  public Placeholder<TInt64> iteration() {
    return iteration;
  }

  /** The layer output with the soft-quantized weight. */
  public Operand<TFloat32> quantizedOutput() {
    return quantizedOutput;
  }

  /** The layer output with the hardened weight. */
  public Operand<TFloat32> hardOutput() {
    return hardOutput;
  }

  /** The layer output with the weight rounded to nearest on the same grid. */
  public Operand<TFloat32> nearestOutput() {
    return nearestOutput;
  }

  public AdaroundLoss loss() {
    return loss;
  }

  public VAdamStep adam() {
    return adam;
  }

  /**
   * The Adam step to run at {@code iteration}: {@link VAdamStep#warmStartStep()} while the
   * regulariser is 0 (the same update, fewer passes over V), else {@link VAdamStep#step()}.
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

  public Shape inputSample() {
    return inputSample;
  }

  public Shape targetSample() {
    return targetSample;
  }
}
