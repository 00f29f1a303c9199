package io.github.adaround.loss;

/**
 * The hyperparameters of the AdaRound loss (Nagel et al. 2020, eq. 25), immutable and validated.
 *
 * @param lambda weight of the rounding regulariser
 * @param warmStart share of the iterations, at the start, without the regulariser; in [0, 1)
 * @param betaStart annealing exponent at the end of the warm start
 * @param betaEnd annealing exponent at the last iteration; {@code betaStart >= betaEnd > 0}
 * @param reduction how the reconstruction error is reduced
 */
public record LossConfig(
    double lambda, double warmStart, double betaStart, double betaEnd, Reduction reduction) {

  /** PyTorch's reference: mean over all elements, lambda 0.001, warm start 0.2, beta 20 to 2. */
  public static final LossConfig REFERENCE = new LossConfig(0.001, 0.2, 20, 2, Reduction.MEAN_ALL);

  /**
   * The paper's and AIMET's recipe, the default for real use: sum over output channels, mean over
   * the batch, lambda 0.01, warm start 0.2, beta 20 to 2.
   */
  public static final LossConfig PAPER =
      new LossConfig(0.01, 0.2, 20, 2, Reduction.SUM_CHANNELS_MEAN_BATCH);

  public LossConfig {
    if (!(warmStart >= 0 && warmStart < 1)) {
      throw new IllegalArgumentException("warm start must be in [0, 1), got " + warmStart);
    }
    if (!(betaEnd > 0 && betaStart >= betaEnd) || Double.isInfinite(betaStart)) {
      throw new IllegalArgumentException(
          "beta must satisfy start >= end > 0, got start " + betaStart + ", end " + betaEnd);
    }
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda must be >= 0, got " + lambda);
    }
    if (reduction == null) {
      throw new IllegalArgumentException("reduction is required");
    }
  }

  public LossConfig withLambda(double value) {
    return new LossConfig(value, warmStart, betaStart, betaEnd, reduction);
  }

  public LossConfig withWarmStart(double value) {
    return new LossConfig(lambda, value, betaStart, betaEnd, reduction);
  }

  public LossConfig withBeta(double start, double end) {
    return new LossConfig(lambda, warmStart, start, end, reduction);
  }

  public LossConfig withReduction(Reduction value) {
    return new LossConfig(lambda, warmStart, betaStart, betaEnd, value);
  }
}
