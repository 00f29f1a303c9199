package io.github.adaround.loss;

import io.github.adaround.tf.ExactOps;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * The annealing of the regulariser's exponent beta over {@code maxIter} iterations, as the
 * reference computes it (in double precision).
 *
 * <pre>
 *   warm start:  it &lt; warmStart * maxIter              regulariser off
 *   rel  = (it - warmStart * maxIter) / (maxIter - warmStart * maxIter)
 *   beta = end + 0.5 * (start - end) * (1 + cos(pi * rel))
 * </pre>
 */
public final class BetaSchedule {

  private final LossConfig config;
  private final long maxIter;

  public BetaSchedule(LossConfig config, long maxIter) {
    if (maxIter <= 0) {
      throw new IllegalArgumentException("max_iter must be positive, got " + maxIter);
    }
    this.config = config;
    this.maxIter = maxIter;
  }

  public long maxIter() {
    return maxIter;
  }

  /** The iteration at which the regulariser starts, {@code warmStart * maxIter} (a double). */
  public double warmStartEnd() {
    return config.warmStart() * maxIter;
  }

  /** Whether the regulariser is off at iteration {@code it}. */
  public boolean isWarmStart(long it) {
    checkIteration(it);
    return it < warmStartEnd();
  }

  /** beta at iteration {@code it} (also defined, beyond {@code betaStart}, in the warm start). */
  public double beta(long it) {
    checkIteration(it);
    double warm = warmStartEnd();
    double rel = (it - warm) / (maxIter - warm);
    return config.betaEnd()
        + 0.5 * (config.betaStart() - config.betaEnd()) * (1 + StrictMath.cos(Math.PI * rel));
  }

  private void checkIteration(long it) {
    if (it < 0 || it >= maxIter) {
      throw new IllegalArgumentException(
          "iteration " + it + " is outside [0, max_iter " + maxIter + ")");
    }
  }

  /** The same schedule as graph ops on a run-time iteration, in float64. */
  Operand<TFloat64> beta(Ops tf, Operand<TFloat64> iteration) {
    double warm = warmStartEnd();
    Operand<TFloat64> rel =
        tf.math.div(
            tf.math.sub(iteration, ExactOps.constant(tf, warm)),
            ExactOps.constant(tf, maxIter - warm));
    Operand<TFloat64> cosine = tf.math.cos(tf.math.mul(ExactOps.constant(tf, Math.PI), rel));
    Operand<TFloat64> halfRange =
        ExactOps.constant(tf, 0.5 * (config.betaStart() - config.betaEnd()));
    return tf.math.add(
        ExactOps.constant(tf, config.betaEnd()),
        tf.math.mul(halfRange, tf.math.add(ExactOps.constant(tf, 1.0), cosine)));
  }

  /** Graph ops: true while the regulariser is off. */
  Operand<TBool> isWarmStart(Ops tf, Operand<TFloat64> iteration) {
    return tf.math.less(iteration, ExactOps.constant(tf, warmStartEnd()));
  }

  /** Graph ops: an assertion that {@code 0 <= it < maxIter}. */
  Operand<TBool> inRange(Ops tf, Operand<TInt64> iteration) {
    return tf.math.logicalAnd(
        tf.math.greaterEqual(iteration, tf.constant(0L)),
        tf.math.less(iteration, tf.constant(maxIter)));
  }
}
