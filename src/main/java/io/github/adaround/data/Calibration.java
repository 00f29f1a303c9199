package io.github.adaround.data;

import io.github.adaround.error.UserError;

/**
 * The unlabelled samples the engine learns from, and samples held back to check each layer's result
 * on data it was not trained on (may be none).
 *
 * @param samples {@code count} model inputs, row-major
 * @param count how many
 * @param heldBack {@code heldBackCount} further inputs, row-major
 * @param heldBackCount how many (0: the checks use the calibration samples)
 */
public record Calibration(float[] samples, int count, float[] heldBack, int heldBackCount) {

  public Calibration {
    if (count < 1) {
      throw new UserError("at least one calibration sample is needed");
    }
    checkFinite("calibration", samples, count);
    checkFinite("held-back", heldBack, heldBackCount);
  }

  /** Calibration samples with none held back. */
  public static Calibration of(float[] samples, int count) {
    return new Calibration(samples, count, new float[0], 0);
  }

  private static void checkFinite(String what, float[] values, int count) {
    int size = count == 0 ? 1 : values.length / count;
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new UserError(what + " sample " + (i / size) + " contains NaN or Inf");
      }
    }
  }
}
