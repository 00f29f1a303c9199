package io.github.adaround.loss;

import io.github.adaround.tf.ExactOps;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The AdaRound objective of one layer as graph ops (Nagel et al. 2020, eq. 25):
 *
 * <pre>
 *   loss = || f(W~ x) - f(W x) ||^2  +  lambda * sum(1 - |2 h(V) - 1|^beta)
 * </pre>
 *
 * The first term compares the layer output with soft-quantized weights to the FP target ({@link
 * Reduction} says how it is averaged). The second pushes every {@code h(V)} towards 0 or 1; beta
 * follows the {@link BetaSchedule} of a run-time iteration, so that one graph serves every
 * iteration. During the warm start the regulariser is exactly 0 and contributes no gradient.
 */
public final class AdaroundLoss {

  private final Operand<TFloat32> reconstruction;
  private final Operand<TFloat32> regularization;
  private final Operand<TFloat32> total;
  private final Operand<TFloat32> beta;

  private AdaroundLoss(
      Ops tf,
      LossConfig config,
      BetaSchedule schedule,
      Operand<TFloat32> quantizedOutput,
      Operand<TFloat32> target,
      Operand<TFloat32> rounding,
      Operand<TInt64> iteration) {
    Ops checked =
        tf.withControlDependencies(
            List.of(
                tf.assertThat(
                    schedule.inRange(tf, iteration),
                    List.of(
                        tf.constant("iteration is outside [0, max_iter); iteration, max_iter:"),
                        iteration,
                        tf.constant(schedule.maxIter())))));
    Operand<TFloat64> it = checked.dtypes.cast(iteration, TFloat64.class);
    this.beta = tf.withName("beta").dtypes.cast(schedule.beta(checked, it), TFloat32.class);
    this.reconstruction =
        reconstruction(
            tf.withSubScope("reconstruction"), config.reduction(), quantizedOutput, target);

    // lambda * sum(1 - |2h - 1|^beta), in the reference's operation order.
    Operand<TFloat32> distance =
        tf.math.abs(
            tf.math.sub(
                tf.math.mul(ExactOps.constant(tf, 2f), rounding), ExactOps.constant(tf, 1f)));
    Operand<TFloat32> perWeight = tf.math.sub(ExactOps.constant(tf, 1f), power(tf, distance, beta));
    Operand<TFloat32> active =
        tf.math.mul(sumAll(tf, perWeight), ExactOps.constant(tf, (float) config.lambda()));
    this.regularization =
        tf.withName("regularization")
            .select(schedule.isWarmStart(tf, it), tf.zerosLike(active), active);
    this.total = tf.withName("loss").math.add(reconstruction, regularization);
  }

  /**
   * Builds the loss into the graph of {@code tf}.
   *
   * @param quantizedOutput the layer's output with the soft-quantized weight
   * @param target the FP layer's output on the same samples (same shape)
   * @param rounding {@code h(V)} of the layer's quantizer
   * @param iteration the current iteration, fed at run time; outside {@code [0, maxIter)} the run
   *     fails with a message naming it
   */
  public static AdaroundLoss create(
      Ops tf,
      LossConfig config,
      long maxIter,
      Operand<TFloat32> quantizedOutput,
      Operand<TFloat32> target,
      Operand<TFloat32> rounding,
      Operand<TInt64> iteration) {
    return new AdaroundLoss(
        tf.withSubScope("adaround_loss"),
        config,
        new BetaSchedule(config, maxIter),
        quantizedOutput,
        target,
        rounding,
        iteration);
  }

  private static Operand<TFloat32> reconstruction(
      Ops tf, Reduction reduction, Operand<TFloat32> output, Operand<TFloat32> target) {
    Operand<TFloat32> squared = tf.math.squaredDifference(output, target);
    return switch (reduction) {
      case MEAN_ALL -> tf.math.mean(squared, allAxes(tf, squared));
      case SUM_CHANNELS_MEAN_BATCH -> {
        Operand<TFloat32> perPosition = tf.reduceSum(squared, tf.constant(-1));
        yield tf.math.mean(perPosition, allAxes(tf, perPosition));
      }
    };
  }

  /**
   * {@code d^beta} for {@code d >= 0}, as {@code exp(beta * log(d))} where {@code d > 0} and 0
   * where {@code d = 0} (the inner select keeps the gradient finite there). TF's {@code Pow} kernel
   * costs about 50 ns per element, forward and in its gradient, and was the largest part of a Dense
   * layer's step; {@code Exp} and {@code Log} are vectorised. The result stays within the
   * reference's tolerances (the {@code torch-parity} tests) and is deterministic.
   */
  private static Operand<TFloat32> power(Ops tf, Operand<TFloat32> d, Operand<TFloat32> beta) {
    Operand<TFloat32> zero = ExactOps.constant(tf, 0f);
    Operand<TBool> positive = tf.math.greater(d, zero);
    Operand<TFloat32> logD = tf.math.log(tf.select(positive, d, ExactOps.constant(tf, 1f)));
    return tf.select(positive, tf.math.exp(tf.math.mul(beta, logD)), zero);
  }

  private static Operand<TFloat32> sumAll(Ops tf, Operand<TFloat32> x) {
    return tf.reduceSum(x, allAxes(tf, x));
  }

  private static Operand<TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }

  /** The reconstruction term. */
  public Operand<TFloat32> reconstruction() {
    return reconstruction;
  }

  /** The rounding regulariser, exactly 0 during the warm start. */
  public Operand<TFloat32> regularization() {
    return regularization;
  }

  /** Reconstruction plus regularisation: what is minimised. */
  public Operand<TFloat32> total() {
    return total;
  }

  /** beta at the fed iteration, in float32 as it enters the power. */
  public Operand<TFloat32> beta() {
    return beta;
  }
}
