package io.github.adaround.data;

import io.github.adaround.error.UserError;
import java.util.List;

/**
 * The unlabelled samples the engine learns from, and samples held back to check each layer's result
 * on data it was not trained on (may be none): for each model input, the same number of samples.
 *
 * @param inputs one entry per model input (one unnamed entry for a model of one input)
 * @param count how many calibration samples each input holds
 * @param heldBackCount how many held-back samples each input holds (0: the checks use the
 *     calibration samples)
 */
public record Calibration(List<CalibrationInput> inputs, int count, int heldBackCount) {

  public Calibration {
    inputs = List.copyOf(inputs);
    if (count < 1) {
      throw new UserError("at least one calibration sample is needed");
    }
    if (inputs.isEmpty()) {
      throw new UserError("calibration data is needed for at least one input");
    }
    for (CalibrationInput input : inputs) {
      checkFinite("calibration", input, input.samples(), count);
      checkFinite("held-back", input, input.heldBack(), heldBackCount);
    }
  }

  /**
   * The samples of a model's one input.
   *
   * @param samples {@code count} inputs, row-major
   * @param heldBack {@code heldBackCount} further inputs, row-major
   */
  public Calibration(float[] samples, int count, float[] heldBack, int heldBackCount) {
    this(List.of(new CalibrationInput(null, null, samples, heldBack)), count, heldBackCount);
  }

  /** Calibration samples of a model's one input with none held back. */
  public static Calibration of(float[] samples, int count) {
    return new Calibration(samples, count, new float[0], 0);
  }

  /** The calibration samples. */
  public InputSamples samples() {
    return new InputSamples(inputs, inputs.stream().map(CalibrationInput::samples).toList(), count);
  }

  /** The held-back samples (none when {@link #heldBackCount()} is 0). */
  public InputSamples heldBack() {
    return new InputSamples(
        inputs, inputs.stream().map(CalibrationInput::heldBack).toList(), heldBackCount);
  }

  private static void checkFinite(String what, CalibrationInput input, float[] values, int count) {
    int size = count == 0 ? 1 : Math.max(1, values.length / count);
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        String of = input.name() == null ? "" : " of input '" + input.name() + "'";
        throw new UserError(what + " sample " + (i / size) + of + " contains NaN or Inf");
      }
    }
  }
}
