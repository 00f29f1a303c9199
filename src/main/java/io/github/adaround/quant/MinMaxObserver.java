package io.github.adaround.quant;

import io.github.adaround.tf.ExactOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.Min;
import org.tensorflow.types.TFloat32;

/**
 * The symmetric min-max observer as graph ops: the reference's {@code MinMaxObserver} and {@code
 * PerChannelMinMaxObserver} with a symmetric qscheme, on any channel axes.
 *
 * <pre>
 *   amax  = max(-min(min(W), 0), max(max(W), 0))     reduced over every axis but the channel axes
 *   scale = max(amax / ((qmax - qmin) / 2), eps)      eps = 2^-23, zero point 0
 * </pre>
 *
 * The float32 operation order is the reference's, so the scale is bit-identical to PyTorch's. The
 * {@code eps} floor keeps all-zero and tiny channels on a valid grid (never a zero scale).
 */
public final class MinMaxObserver {

  /** The smallest scale, {@code 2^-23}: the reference's {@code torch.finfo(float32).eps}. */
  public static final float EPS = 0x1p-23f;

  private MinMaxObserver() {}

  /**
   * Builds the scale of {@code weight} on the grid of {@code spec}.
   *
   * @param reducedAxes the axes reduced away (every axis but the channel axes); the result keeps
   *     them as size-1 dimensions so that it broadcasts against the weight
   */
  public static Operand<TFloat32> scale(
      Ops tf, Operand<TFloat32> weight, QuantSpec spec, int[] reducedAxes) {
    Operand<TFloat32> zero = tf.constant(0f);
    Operand<TFloat32> minNeg =
        tf.math.minimum(tf.min(weight, tf.constant(reducedAxes), Min.keepDims(true)), zero);
    Operand<TFloat32> maxPos =
        tf.math.maximum(tf.max(weight, tf.constant(reducedAxes), Max.keepDims(true)), zero);
    Operand<TFloat32> amax = tf.math.maximum(tf.math.neg(minNeg), maxPos);
    Operand<TFloat32> scale = tf.math.div(amax, ExactOps.constant(tf, spec.halfRange()));
    return tf.math.maximum(scale, ExactOps.constant(tf, EPS));
  }
}
