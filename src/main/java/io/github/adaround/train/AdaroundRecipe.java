package io.github.adaround.train;

import io.github.adaround.error.UserError;
import io.github.adaround.loss.LossConfig;

/**
 * Everything that decides how one layer's rounding is learnt, immutable, with named presets.
 *
 * @param iterations Adam steps per layer (also the beta schedule's {@code max_iter})
 * @param batchSize calibration samples per step, drawn at random without replacement
 * @param learningRate Adam's learning rate
 * @param loss the loss and its annealing
 * @param adam Adam's constants
 * @param seed seed of the minibatch draws
 * @param reportEvery report the loss parts every this many iterations (and at the last)
 * @param objective what the reconstruction term compares, over which samples
 */
public record AdaroundRecipe(
    int iterations,
    int batchSize,
    float learningRate,
    LossConfig loss,
    AdamConfig adam,
    long seed,
    int reportEvery,
    Objective objective) {

  /**
   * The paper's recipe (Nagel et al. 2020, section 5): 10 000 iterations of 32 samples, Adam at
   * 1e-3, warm start 0.2, beta 20 to 2, lambda 0.01, reconstruction summed over output channels.
   */
  public static final AdaroundRecipe PAPER =
      new AdaroundRecipe(
          10_000, 32, 1e-3f, LossConfig.PAPER, AdamConfig.DEFAULT, 0, 1000, Objective.MINIBATCH);

  /** PyTorch's reference loss (mean over all elements, lambda 0.001) on the paper's schedule. */
  public static final AdaroundRecipe REFERENCE = PAPER.withLoss(LossConfig.REFERENCE);

  /**
   * The paper's recipe with {@link Objective#QUADRATIC}: the layers where it is cheaper learn from
   * the pre-activation error over the whole calibration set, every step.
   */
  public static final AdaroundRecipe QUADRATIC = PAPER.withObjective(Objective.QUADRATIC);

  public AdaroundRecipe {
    if (iterations <= 0) {
      throw new UserError("iterations must be positive, got " + iterations);
    }
    if (batchSize <= 0) {
      throw new UserError("batch size must be positive, got " + batchSize);
    }
    if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
      throw new UserError("learning rate must be positive, got " + learningRate);
    }
    if (reportEvery <= 0) {
      throw new IllegalArgumentException("reportEvery must be positive, got " + reportEvery);
    }
    if (loss == null || adam == null || objective == null) {
      throw new IllegalArgumentException("loss, adam and objective are required");
    }
  }

  public AdaroundRecipe withIterations(int value) {
    return new AdaroundRecipe(
        value, batchSize, learningRate, loss, adam, seed, reportEvery, objective);
  }

  public AdaroundRecipe withBatchSize(int value) {
    return new AdaroundRecipe(
        iterations, value, learningRate, loss, adam, seed, reportEvery, objective);
  }

  public AdaroundRecipe withLearningRate(float value) {
    return new AdaroundRecipe(
        iterations, batchSize, value, loss, adam, seed, reportEvery, objective);
  }

  public AdaroundRecipe withLoss(LossConfig value) {
    return new AdaroundRecipe(
        iterations, batchSize, learningRate, value, adam, seed, reportEvery, objective);
  }

  public AdaroundRecipe withAdam(AdamConfig value) {
    return new AdaroundRecipe(
        iterations, batchSize, learningRate, loss, value, seed, reportEvery, objective);
  }

  public AdaroundRecipe withSeed(long value) {
    return new AdaroundRecipe(
        iterations, batchSize, learningRate, loss, adam, value, reportEvery, objective);
  }

  public AdaroundRecipe withReportEvery(int value) {
    return new AdaroundRecipe(
        iterations, batchSize, learningRate, loss, adam, seed, value, objective);
  }

  public AdaroundRecipe withObjective(Objective value) {
    return new AdaroundRecipe(
        iterations, batchSize, learningRate, loss, adam, seed, reportEvery, value);
  }
}
