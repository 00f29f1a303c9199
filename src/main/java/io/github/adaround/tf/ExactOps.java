package io.github.adaround.tf;

import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Float32 arithmetic that TF's runtime would otherwise change: Grappler's rewrites of constant
 * expressions (for example {@code x / c} into {@code x * (1/c)}, 1 ulp off), and the flush of
 * subnormal inputs to zero in every CPU kernel. The AdaRound reference defines its numbers with
 * plain IEEE float32 operations; these helpers keep them.
 */
public final class ExactOps {

  private ExactOps() {}

  /**
   * A float32 scalar that Grappler cannot fold into the expression around it: a placeholder whose
   * default is the value (it still can be fed, which is why it is never treated as constant).
   */
  public static Operand<TFloat32> constant(Ops tf, float value) {
    return tf.placeholderWithDefault(tf.constant(value), Shape.scalar());
  }

  /** As {@link #constant(Ops, float)}, for a float64 scalar. */
  public static Operand<TFloat64> constant(Ops tf, double value) {
    return tf.placeholderWithDefault(tf.constant(value), Shape.scalar());
  }

  /**
   * {@code x / y} rounded as IEEE float32 division, also where {@code x} is subnormal.
   *
   * <p>TF flushes subnormal inputs to zero, so {@code 1e-40 / 2^-23} would be 0 instead of {@code
   * 8.4e-34}. Here a subnormal {@code x} is rebuilt exactly in float64 from its bits ({@code
   * mantissa * 2^-149}), divided in float64 and rounded once to float32; a float64 quotient of two
   * float32 values rounded to float32 is the correctly rounded float32 quotient. {@code x} must
   * have the shape of the result ({@code y} may broadcast into it).
   */
  public static Operand<TFloat32> divide(Ops tf, Operand<TFloat32> x, Operand<TFloat32> y) {
    Operand<TInt32> bits = tf.bitcast(x, TInt32.class);
    Operand<TInt32> magnitudeBits = tf.bitwise.bitwiseAnd(bits, tf.constant(0x7fffffff));
    // Exponent field 0 and mantissa non-zero: subnormal.
    Operand<TBool> subnormal =
        tf.math.logicalAnd(
            tf.math.less(magnitudeBits, tf.constant(0x00800000)),
            tf.math.greater(magnitudeBits, tf.constant(0)));
    Operand<TFloat64> magnitude =
        tf.math.mul(tf.dtypes.cast(magnitudeBits, TFloat64.class), tf.constant(0x1p-149));
    Operand<TFloat64> signed =
        tf.select(tf.math.less(bits, tf.constant(0)), tf.math.neg(magnitude), magnitude);
    Operand<TFloat64> quotient = tf.math.div(signed, tf.dtypes.cast(y, TFloat64.class));
    Operand<TFloat32> rebuilt = tf.dtypes.cast(quotient, TFloat32.class);
    Operand<TFloat32> plain = tf.math.div(x, y);
    return tf.select(subnormal, rebuilt, plain);
  }

  /** {@code log(x)} correctly rounded to float32 (computed in float64). */
  public static Operand<TFloat32> log(Ops tf, Operand<TFloat32> x) {
    return tf.dtypes.cast(tf.math.log(tf.dtypes.cast(x, TFloat64.class)), TFloat32.class);
  }
}
