package io.github.adaround.quant;

import io.github.adaround.tf.ExactOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The rectified sigmoid of AdaRound (Nagel et al. 2020, eq. 23) and its inverse, as graph ops.
 *
 * <pre>
 *   h(V)    = clamp(sigmoid(V) * (zeta - gamma) + gamma, 0, 1)       zeta = 1.1, gamma = -0.1
 *   h^-1(r) = -log((zeta - gamma) / (r - gamma) - 1)                  used to initialise V
 * </pre>
 *
 * The stretch beyond [0, 1] lets h reach exactly 0 and 1 for finite V. Both are written in the
 * reference's float32 operation order ({@code zeta - gamma} is exactly {@code 1.2f}).
 */
public final class RectifiedSigmoid {

  /** Upper stretch of the sigmoid. */
  public static final float ZETA = 1.1f;

  /** Lower stretch of the sigmoid. */
  public static final float GAMMA = -0.1f;

  /** {@code zeta - gamma} in float32. */
  static final float STRETCH = ZETA - GAMMA;

  private RectifiedSigmoid() {}

  /** {@code sigmoid(V) * (zeta - gamma) + gamma}, before the clamp to [0, 1]. */
  static Operand<TFloat32> preClamp(Ops tf, Operand<TFloat32> v) {
    return tf.math.add(
        tf.math.mul(sigmoid(tf, v), ExactOps.constant(tf, STRETCH)), ExactOps.constant(tf, GAMMA));
  }

  /**
   * {@code 1 / (1 + exp(-V))}, the reference's float32 formula, whose gradient is that of TF's
   * fused {@code Sigmoid}: the value {@code e} of the formula is held constant for autodiff ({@code
   * stopGradient}) and joined to {@code s = Sigmoid(V)} by {@code e + (s - s)}, which is {@code e}
   * bit for bit and has the derivative of {@code s}, TF's {@code s (1 - s)} in one kernel.
   *
   * <p>Why not the fused kernel's value: it uses another approximation, and where {@code h(V)}
   * should be exactly 0 (weights on the grid) it lands 1 ulp below, so that the clamp zeroes their
   * gradient. Why not autodiff of the formula: its gradient is eight passes over V (and a cap on
   * the exponent, whose overflow would make it {@code 0 * inf = NaN}) where {@code SigmoidGrad} is
   * one; the two gradients agree within float32 rounding (the reference's vectors check both). The
   * division is a true division: TF's {@code Reciprocal} kernel is an approximation ({@code 1/2}
   * comes out as {@code 0.49999997}). Beyond {@code V = -88.7}, {@code exp(-V)} overflows and the
   * value is 0, as the reference's.
   */
  static Operand<TFloat32> sigmoid(Ops tf, Operand<TFloat32> v) {
    Operand<TFloat32> one = ExactOps.constant(tf, 1f);
    Operand<TFloat32> exact =
        tf.stopGradient(tf.math.div(one, tf.math.add(one, tf.math.exp(tf.math.neg(v)))));
    Operand<TFloat32> fused = tf.math.sigmoid(v);
    return tf.math.add(exact, tf.math.sub(fused, tf.stopGradient(fused)));
  }

  /** {@code h(V)}, differentiable in V; the clamp passes the gradient at its bounds. */
  public static Operand<TFloat32> soft(Ops tf, Operand<TFloat32> v) {
    return tf.clipByValue(preClamp(tf, v), ExactOps.constant(tf, 0f), ExactOps.constant(tf, 1f));
  }

  /** The hardened rounding: 1 where {@code V >= 0} (-0.0 included), else 0. */
  public static Operand<TFloat32> hard(Ops tf, Operand<TFloat32> v) {
    return tf.dtypes.cast(tf.math.greaterEqual(v, tf.constant(0f)), TFloat32.class);
  }

  /** {@code V} such that {@code h(V) = residual}: the initialisation that reproduces the weight. */
  public static Operand<TFloat32> inverse(Ops tf, Operand<TFloat32> residual) {
    Operand<TFloat32> ratio =
        tf.math.div(
            ExactOps.constant(tf, STRETCH), tf.math.sub(residual, ExactOps.constant(tf, GAMMA)));
    return tf.math.neg(ExactOps.log(tf, tf.math.sub(ratio, ExactOps.constant(tf, 1f))));
  }
}
