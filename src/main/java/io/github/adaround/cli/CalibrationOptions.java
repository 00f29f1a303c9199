package io.github.adaround.cli;

import io.github.adaround.data.Calibration;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.NpyArray;
import io.github.adaround.data.NpyReader;
import io.github.adaround.data.Split;
import io.github.adaround.error.UserError;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where {@code quantize} takes its calibration samples from, and how many. */
final class CalibrationOptions {
  @Option(
      names = "--calibration",
      defaultValue = "1024",
      paramLabel = "N",
      description = "Number of calibration samples (default: ${DEFAULT-VALUE}).")
  private int calibration;

  @Option(
      names = "--calibration-npy",
      paramLabel = "FILE",
      description =
          "Calibration inputs as a .npy array [N, ...input shape] (float32, or uint8 scaled to"
              + " [0,1]).")
  private Path calibrationNpy;

  @Mixin private DataDirOption data;

  /** One calibration sample's shape when the samples come from a .npy file, else null. */
  private long[] npySampleShape;

  /**
   * @throws UserError when the count asked for is not positive
   */
  void check() {
    if (calibration < 1) {
      throw new UserError("--calibration must be at least 1");
    }
  }

  /** One sample's shape as the .npy file gives it, or null before {@link #load} or without one. */
  long[] npySampleShape() {
    return npySampleShape;
  }

  /**
   * The calibration inputs, from the .npy file or the Fashion-MNIST training split: the first
   * --calibration samples, and up to an eighth as many of the samples after them held back for
   * --keep-best.
   */
  Calibration load(long[] inputShape) throws IOException {
    float[] values;
    int available;
    String source;
    if (calibrationNpy != null) {
      NpyArray array = NpyReader.read(calibrationNpy);
      array.requireShape(inputShape);
      long[] dims = array.shape();
      npySampleShape = Arrays.copyOfRange(dims, 1, dims.length);
      values = array.values();
      available = Math.toIntExact(array.shape()[0]);
      source = calibrationNpy + " holds";
    } else {
      LabeledImages train = data.load(Split.TRAIN);
      values = train.pixels();
      available = train.count();
      source = "the training split holds";
    }
    if (available < calibration) {
      throw new UserError(
          source + " " + available + " samples, --calibration asks for " + calibration);
    }
    int size = values.length / available;
    int held = Math.min(available - calibration, Math.max(1, calibration / 8));
    try {
      return new Calibration(
          Arrays.copyOf(values, calibration * size),
          calibration,
          Arrays.copyOfRange(values, calibration * size, (calibration + held) * size),
          held);
    } catch (UserError e) {
      throw calibrationNpy == null ? e : new UserError(calibrationNpy + ": " + e.getMessage(), e);
    }
  }
}
