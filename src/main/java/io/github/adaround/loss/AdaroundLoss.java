package io.github.adaround.loss;

import io.github.adaround.tf.ExactOps;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
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
  private final BetaSchedule schedule;

  private AdaroundLoss(
      Ops tf,
      LossConfig config,
      BetaSchedule schedule,
      Operand<TFloat32> reconstruction,
      Operand<TFloat32> rounding,
      Operand<TInt64> fedIteration) {
    this.reconstruction = reconstruction;
    this.schedule = schedule;
    // A fed tensor reaches Grappler without its shape: said again here, every tensor of the
    // regulariser has a known shape, the shapes its gradient asks for fold to constants, and a
    // step no longer computes the regulariser's value only to take its shape (dense1 of the
    // bundled model: 195 -> 148 kernels per step, 66 -> 55 passes over V).
    Operand<TInt64> iteration = tf.ensureShape(fedIteration, Shape.scalar());
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
    Ops scoped = tf.withSubScope("adaround_loss");
    return new AdaroundLoss(
        scoped,
        config,
        new BetaSchedule(config, maxIter),
        reconstruction(
            scoped.withSubScope("reconstruction"), config.reduction(), quantizedOutput, target),
        rounding,
        iteration);
  }

  /**
   * As {@link #create}, with a reconstruction term built by the caller (for example {@code
   * io.github.adaround.quadratic.QuadraticReconstruction}, the same term over the whole calibration
   * set), already reduced as {@code config.reduction()} says.
   *
   * @param reconstruction a scalar that depends on the soft-quantized weight
   */
  public static AdaroundLoss createWithReconstruction(
      Ops tf,
      LossConfig config,
      long maxIter,
      Operand<TFloat32> reconstruction,
      Operand<TFloat32> rounding,
      Operand<TInt64> iteration) {
    return new AdaroundLoss(
        tf.withSubScope("adaround_loss"),
        config,
        new BetaSchedule(config, maxIter),
        reconstruction,
        rounding,
        iteration);
  }

  /**
   * {@code sum((output - target)^2) / count}, where count is the number of elements ({@link
   * Reduction#MEAN_ALL}) or that number divided by the channels, the last axis: batch times
   * positions ({@link Reduction#SUM_CHANNELS_MEAN_BATCH}). The sum is TF's {@code L2Loss} ({@code
   * sum(d^2) / 2}, one pass), doubled exactly: its gradient is one multiply by {@code d}, where
   * squaring, summing and averaging each add a pass over the output to the step, forward and
   * backward.
   */
  private static Operand<TFloat32> reconstruction(
      Ops tf, Reduction reduction, Operand<TFloat32> output, Operand<TFloat32> target) {
    Operand<TFloat32> difference = tf.math.sub(output, target);
    Operand<TFloat32> sum = tf.math.mul(tf.nn.l2Loss(difference), ExactOps.constant(tf, 2f));
    Operand<TInt32> elements = tf.size(difference);
    Operand<TInt32> count =
        switch (reduction) {
          case MEAN_ALL -> elements;
          case SUM_CHANNELS_MEAN_BATCH -> tf.math.div(elements, channels(tf, difference));
        };
    return tf.math.div(sum, tf.dtypes.cast(count, TFloat32.class));
  }

  private static Operand<TInt32> channels(Ops tf, Operand<TFloat32> x) {
    return tf.gather(tf.shape(x), tf.math.sub(tf.rank(x), tf.constant(1)), tf.constant(0));
  }

  /**
   * {@code d^beta} for {@code d} in {@code [0, 1]}, as {@code d * e} with {@code e = d^(beta - 1) =
   * exp((beta - 1) * log(max(d, FLT_MIN)))}, whose derivative is the power rule {@code beta * e},
   * in the reference's order ({@code grad * (beta * d^(beta - 1))}, as PyTorch's {@code pow} and
   * TF's own {@code Pow} gradients compute it). TF's {@code Pow} kernel costs about 50 ns per
   * element, forward and in its gradient; {@code Exp} and {@code Log} are vectorised.
   *
   * <p>Why not autodiff of {@code exp(beta * log d)}: it passes the gradient through {@code exp}'s
   * output, {@code -lambda * d^beta * beta / d}, and {@code lambda * d^beta} falls below {@code
   * FLT_MIN} (TF's kernels flush it to 0) for weights whose gradient {@code lambda * beta *
   * d^(beta-1)} is still a normal float (about 1e-35 at {@code d = 0.02}, {@code beta = 20}). Every
   * exp/log form has such a node (its gradient is {@code -lambda * d^beta} times a constant);
   * float64 avoids it but made the regulariser 1.7x slower. Here the value {@code d * e} and the
   * slope {@code beta * e} are held constant for autodiff ({@code stopGradient}) and joined by
   * {@code (d - d) * slope}, which is 0 forward and has the derivative {@code slope} in d: the
   * gradient is 0 only where the reference's is below {@code FLT_MIN}.
   *
   * <p>The floor only acts at {@code d = 0} ({@code h = 0.5} exactly; every other {@code d} of a
   * float32 {@code h} is above {@code 5e-8}): there {@code d^beta} is below float32's resolution
   * next to 1 for {@code beta > 0.2} (the presets end at 2), so {@code 1 - d^beta} is exactly 1 as
   * with {@code Pow}, and the floor's own gradient mask makes the gradient 0. The result is
   * deterministic.
   */
  private static Operand<TFloat32> power(Ops tf, Operand<TFloat32> d, Operand<TFloat32> beta) {
    Operand<TFloat32> floored = tf.math.maximum(d, ExactOps.constant(tf, Float.MIN_NORMAL));
    Operand<TFloat32> powerBelow =
        tf.math.exp(
            tf.math.mul(tf.math.sub(beta, ExactOps.constant(tf, 1f)), tf.math.log(floored)));
    Operand<TFloat32> value = tf.stopGradient(tf.math.mul(floored, powerBelow));
    Operand<TFloat32> slope = tf.stopGradient(tf.math.mul(beta, powerBelow));
    Operand<TFloat32> zeroWithUnitSlope = tf.math.sub(floored, tf.stopGradient(floored));
    return tf.math.add(value, tf.math.mul(zeroWithUnitSlope, slope));
  }

  private static Operand<TFloat32> sumAll(Ops tf, Operand<TFloat32> x) {
    return tf.reduceSum(x, allAxes(tf, x));
  }

  private static Operand<TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }

  /**
   * Whether the regulariser is exactly 0 at {@code iteration}, so that the loss's gradient is the
   * reconstruction term's.
   */
  public boolean isWarmStart(long iteration) {
    return schedule.isWarmStart(iteration);
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
