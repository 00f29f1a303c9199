package io.github.adaround.engine;

import io.github.adaround.train.LayerResult;
import io.github.adaround.train.TrainingListener;

/**
 * One layer's training, stopped when its loss is no longer finite: what it learnt, or why rounding
 * to nearest is kept.
 *
 * @param result what the training learnt, or null when it stopped
 * @param note why nearest is kept although the training ran, or null
 */
record LayerTraining(LayerResult result, String note) {

  /** No training ({@code --nearest}). */
  static final LayerTraining NONE = new LayerTraining(null, null);

  /** A training that reports its losses to the listener it is given. */
  @FunctionalInterface
  interface Learner {
    LayerResult learn(TrainingListener listener);
  }

  /** Runs {@code learner}, telling {@code heard} of each loss while it is finite. */
  static LayerTraining run(Learner learner, TrainingListener heard) {
    TrainingListener checked =
        report -> {
          if (!Float.isFinite(report.reconstruction())
              || !Float.isFinite(report.regularization())) {
            throw new NonFiniteLoss(report.iteration());
          }
          heard.onReport(report);
        };
    try {
      LayerResult result = learner.learn(checked);
      return new LayerTraining(
          result,
          allFinite(result.hardenedWeight())
              ? null
              : "non-finite weight after training; kept nearest");
    } catch (NonFiniteLoss e) {
      return new LayerTraining(
          null, "non-finite loss at iteration " + e.iteration + "; kept nearest");
    }
  }

  /** Whether the training learnt a rounding that may be exported. */
  boolean learnt() {
    return result != null && note == null;
  }

  /** Raised by the training listener to stop a layer whose loss is no longer finite. */
  private static final class NonFiniteLoss extends RuntimeException {
    private final int iteration;

    NonFiniteLoss(int iteration) {
      super(null, null, false, false);
      this.iteration = iteration;
    }
  }

  private static boolean allFinite(float[] values) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
