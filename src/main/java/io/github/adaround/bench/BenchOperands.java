package io.github.adaround.bench;

import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Fixed random operands of the timed products. */
final class BenchOperands {

  private BenchOperands() {}

  /**
   * Values uniform in {@code [-1, 1)} from {@code seed}, as a placeholder with a default: Grappler
   * would fold a product of constants.
   */
  static Operand<TFloat32> uniform(Ops tf, Shape shape, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextDouble(-1, 1);
    }
    return tf.placeholderWithDefault(
        tf.constant(shape, DataBuffers.of(values, true, false)), shape);
  }
}
