package io.github.adaround.train;

import io.github.adaround.block.SubgraphCopy;
import io.github.adaround.loss.AdaroundLoss;
import io.github.adaround.quant.AdaroundFakeQuantizer;
import io.github.adaround.quant.QuantSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The training graph of one block (BRECQ, Li et al. 2021, eq. 10 with the Fisher weights set to
 * one; Nagel et al. 2020, eq. 25 for the regulariser): the block's own ops, copied from the model
 * ({@link SubgraphCopy}) with each layer's weight replaced by its AdaRound soft-quantized weight,
 * trained against the block's FP output.
 *
 * <pre>
 *   out  = block(x_1..x_k; soft(W_1), ..., soft(W_L))
 *   loss = || out - z_fp ||^2  +  sum_l lambda * sum(1 - |2 h(V_l) - 1|^beta)
 * </pre>
 *
 * The reconstruction term is reduced as the layer loss's ({@link AdaroundLoss}); every layer's
 * regulariser takes the same lambda and the same beta schedule, so their sum is the regulariser of
 * the concatenated {@code h(V)}. One Adam ({@link BlockAdamStep}) updates every V. The inputs, the
 * target and the iteration are fed.
 */
public final class BlockTrainingGraph {

  /**
   * A weight of the block as it is quantized.
   *
   * @param name the weight's name in the model (as {@link SubgraphCopy} replaces it)
   * @param values its FP values
   * @param gridShape the shape it is quantized in
   * @param shape its own shape in the model (the same values, in the same order)
   * @param spec its grid
   * @param scale the grid's scales, or null for the min-max observer's
   */
  public record Weight(
      String name, float[] values, long[] gridShape, long[] shape, QuantSpec spec, float[] scale) {}

  private final List<Placeholder<TFloat32>> inputs = new ArrayList<>();
  private final Placeholder<TFloat32> target;
  private final Placeholder<TInt64> iteration;
  private final List<AdaroundFakeQuantizer> quantizers = new ArrayList<>();
  private final Operand<TFloat32> softOutput;
  private final Operand<TFloat32> hardOutput;
  private final Operand<TFloat32> nearestOutput;
  private final AdaroundLoss loss;
  private final BlockAdamStep adam;
  private final Op initialize;
  private final AdaroundRecipe recipe;

  private BlockTrainingGraph(
      Ops tf,
      SubgraphCopy copy,
      Map<String, Shape> inputSamples,
      String output,
      Shape targetSample,
      List<Weight> weights,
      AdaroundRecipe recipe) {
    this.recipe = recipe;
    Map<String, Operand<TFloat32>> fed = new LinkedHashMap<>();
    int k = 0;
    for (Map.Entry<String, Shape> input : inputSamples.entrySet()) {
      Placeholder<TFloat32> x =
          tf.withName("input_" + k++)
              .placeholder(
                  TFloat32.class, Placeholder.shape(Shape.of(-1).append(input.getValue())));
      inputs.add(x);
      fed.put(input.getKey(), x);
    }
    this.target =
        tf.withName("target")
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1).append(targetSample)));
    this.iteration =
        tf.withName("iteration").placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
    Map<String, Operand<TFloat32>> soft = new LinkedHashMap<>();
    Map<String, Operand<TFloat32>> hard = new LinkedHashMap<>();
    Map<String, Operand<TFloat32>> nearest = new LinkedHashMap<>();
    List<Operand<TFloat32>> roundings = new ArrayList<>();
    List<Variable<TFloat32>> vs = new ArrayList<>();
    List<Op> observe = new ArrayList<>();
    for (Weight w : weights) {
      Operand<TFloat32> value =
          tf.constant(Shape.of(w.gridShape()), DataBuffers.of(w.values(), true, false));
      AdaroundFakeQuantizer q =
          w.scale() == null
              ? AdaroundFakeQuantizer.create(tf, value, w.spec(), w.name())
              : AdaroundFakeQuantizer.createWithScale(tf, value, w.spec(), w.name(), w.scale());
      quantizers.add(q);
      soft.put(w.name(), inShape(tf, q.softOutput(), w));
      hard.put(w.name(), inShape(tf, q.hardOutput(), w));
      nearest.put(w.name(), inShape(tf, q.nearestOutput(), w));
      roundings.add(tf.reshape(q.softRoundingValue(), tf.constant(new long[] {-1})));
      vs.add(q.v());
      observe.add(q.observe());
    }
    Ops block = tf.withSubScope("block");
    this.softOutput = copy.copy(block, fed, output, soft).expect(TFloat32.class);
    this.hardOutput = copy.copy(block, fed, output, hard).expect(TFloat32.class);
    this.nearestOutput = copy.copy(block, fed, output, nearest).expect(TFloat32.class);
    Operand<TFloat32> rounding =
        roundings.size() == 1 ? roundings.get(0) : tf.concat(roundings, tf.constant(0));
    this.loss =
        AdaroundLoss.create(
            tf, recipe.loss(), recipe.iterations(), softOutput, target, rounding, iteration);
    this.adam =
        BlockAdamStep.create(
            tf, loss.total(), loss.reconstruction(), vs, recipe.adam(), recipe.learningRate());
    observe.add(adam.reset());
    this.initialize = tf.withControlDependencies(observe).withName("initialize").noOp();
  }

  /**
   * Builds the training graph of a block into the graph of {@code tf}.
   *
   * @param copy the copier of the model's graph, holding its other variables' values
   * @param inputSamples the shape of one sample of each of the block's input tensors, in order
   * @param output the block's output tensor ({@code op:k})
   * @param targetSample the shape of one sample of it
   * @param weights the block's quantized weights
   */
  public static BlockTrainingGraph create(
      Ops tf,
      SubgraphCopy copy,
      Map<String, Shape> inputSamples,
      String output,
      Shape targetSample,
      List<Weight> weights,
      AdaroundRecipe recipe) {
    return new BlockTrainingGraph(
        tf.withSubScope("block_train"), copy, inputSamples, output, targetSample, weights, recipe);
  }

  private static Operand<TFloat32> inShape(Ops tf, Operand<TFloat32> quantized, Weight w) {
    return Arrays.equals(w.gridShape(), w.shape())
        ? quantized
        : tf.reshape(quantized, tf.constant(w.shape()));
  }

  /** The fed inputs, one per block input, {@code [batch, ...sample]}. */
  public List<Placeholder<TFloat32>> inputs() {
    return List.copyOf(inputs);
  }

  /** The fed FP output of the block on the same samples. */
  public Placeholder<TFloat32> target() {
    return target;
  }

  /** The iteration, which drives the beta schedule. */
  public Placeholder<TInt64> iteration() {
    return iteration;
  }

  /** Each weight's quantizer, in the order given. */
  public List<AdaroundFakeQuantizer> quantizers() {
    return List.copyOf(quantizers);
  }

  /** The block's output with every weight soft-quantized. */
  public Operand<TFloat32> softOutput() {
    return softOutput;
  }

  /** The block's output with every weight hardened. */
  public Operand<TFloat32> hardOutput() {
    return hardOutput;
  }

  /** The block's output with every weight rounded to nearest. */
  public Operand<TFloat32> nearestOutput() {
    return nearestOutput;
  }

  public AdaroundLoss loss() {
    return loss;
  }

  /** The Adam step to run at {@code iteration}: the warm-start one while the regulariser is 0. */
  public Op stepAt(long iteration) {
    return loss.isWarmStart(iteration) ? adam.warmStartStep() : adam.step();
  }

  /** Observes every weight (scale, V) and resets Adam: run once before training. */
  public Op initialize() {
    return initialize;
  }

  public AdaroundRecipe recipe() {
    return recipe;
  }
}
