package io.github.adaround.activation;

import io.github.adaround.train.LayerFunction;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.quantization.FakeQuantWithMinMaxVars;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;

/**
 * A layer whose input is quantized as the integer runtime will quantize it, element by element with
 * probability {@code p} (QDrop, Wei et al. 2022, eq. 7: {@code x~ = Q(x)} with probability {@code
 * p}, else {@code x}; {@code p = 1} quantizes every element, {@code p = 0.5} is the paper's):
 *
 * <pre>
 *   layer(select(u &lt; p, FakeQuant(x), x), w),   u ~ U[0, 1) per element, fresh each run
 * </pre>
 *
 * The draws are seeded, so the same seed and run order give the same masks. {@code p} is a
 * placeholder with that default; {@link #probability()} fed with 1 quantizes every element, as the
 * output error after training is measured.
 */
public final class QDropInput implements LayerFunction {

  private final LayerFunction layer;
  private final ActivationEncoding encoding;
  private final float defaultProbability;
  private final long seed;
  private PlaceholderWithDefault<TFloat32> probability;
  private long draws;

  /**
   * @param layer the layer that reads the input
   * @param encoding the input's grid
   * @param probability the share of elements quantized in training, 0..1
   * @param seed seed of the element draws
   */
  public QDropInput(
      LayerFunction layer, ActivationEncoding encoding, float probability, long seed) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException("--qdrop must be in 0..1, got " + probability);
    }
    this.layer = layer;
    this.encoding = encoding;
    this.defaultProbability = probability;
    this.seed = seed;
  }

  @Override
  public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> input, Operand<TFloat32> weight) {
    if (probability == null) {
      probability =
          tf.withName("qdrop_probability")
              .placeholderWithDefault(tf.constant(defaultProbability), Shape.scalar());
    }
    Operand<TFloat32> quantized =
        tf.quantization.fakeQuantWithMinMaxVars(
            input,
            tf.constant(encoding.rawMin()),
            tf.constant(encoding.rawMax()),
            FakeQuantWithMinMaxVars.numBits((long) encoding.bits()),
            FakeQuantWithMinMaxVars.narrowRange(false));
    Operand<TFloat32> draw =
        tf.random.randomUniform(
            tf.shape(input),
            TFloat32.class,
            RandomUniform.seed(seed),
            RandomUniform.seed2(++draws));
    Operand<TFloat32> mixed = tf.select(tf.math.less(draw, probability), quantized, input);
    return layer.apply(tf, mixed, weight);
  }

  /** The probability placeholder, once the layer is built; feed 1 to quantize every element. */
  public Operand<TFloat32> probability() {
    if (probability == null) {
      throw new IllegalStateException("the layer is not built yet");
    }
    return probability;
  }
}
