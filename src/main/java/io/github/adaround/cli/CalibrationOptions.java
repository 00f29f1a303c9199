package io.github.adaround.cli;

import io.github.adaround.data.Calibration;
import io.github.adaround.data.CalibrationInput;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.NpyArray;
import io.github.adaround.data.NpyReader;
import io.github.adaround.data.Split;
import io.github.adaround.error.UserError;
import io.github.adaround.source.InputBinding;
import io.github.adaround.source.ModelInput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where {@code quantize} takes its calibration samples from, and how many. */
final class CalibrationOptions {
  /** Calibration samples taken when --calibration is not given and the data holds enough. */
  static final int DEFAULT_COUNT = 1024;

  @Option(
      names = "--calibration",
      paramLabel = "N",
      description =
          "Number of calibration samples (default: "
              + DEFAULT_COUNT
              + ", or eight ninths of what smaller --calibration-npy files hold, the rest held"
              + " back).")
  private Integer calibration;

  @Option(
      names = "--calibration-npy",
      paramLabel = "[NAME=]FILE",
      description =
          "Calibration inputs as a .npy array [N, ...input shape] (float32, or uint8 scaled to"
              + " [0,1]); for a model of several inputs NAME=FILE, once per input (repeatable).")
  private List<String> calibrationNpy = List.of();

  @Mixin private DataDirOption data;

  /** One calibration sample's shape when the samples come from a .npy file, else null. */
  private long[] npySampleShape;

  /**
   * @throws UserError when the count asked for is not positive
   */
  void check() {
    if (calibration != null && calibration < 1) {
      throw new UserError("--calibration must be at least 1");
    }
  }

  /**
   * The first input's sample shape as its .npy file gives it, or null before {@link #load} or
   * without one.
   */
  long[] npySampleShape() {
    return npySampleShape;
  }

  /**
   * The calibration inputs of a model with {@code inputs}, from the .npy files or the Fashion-MNIST
   * training split: the first --calibration samples, and up to an eighth as many of the samples
   * after them held back for --keep-best.
   *
   * @throws UserError when the files do not name the model's inputs, a file's samples do not fit
   *     its input, the files hold different numbers of samples, or too few
   */
  Calibration load(List<ModelInput> inputs) throws IOException {
    List<String> names = new ArrayList<>();
    List<NpyArray> arrays = new ArrayList<>();
    List<float[]> values = new ArrayList<>();
    int available;
    String source;
    if (calibrationNpy.isEmpty()) {
      requireOneInput(inputs, "the Fashion-MNIST samples feed one input");
      LabeledImages train = data.load(Split.TRAIN);
      names.add(null);
      values.add(train.pixels());
      available = train.count();
      source = "the training split holds";
    } else {
      List<ModelInput> order = fileOrder(inputs);
      for (int i = 0; i < order.size(); i++) {
        String given = calibrationNpy.get(i);
        NpyArray array = NpyReader.read(file(given));
        array.requireShape(order.get(i).shape().asArray());
        names.add(name(given) == null ? null : order.get(i).key());
        arrays.add(array);
        values.add(array.values());
      }
      long[] dims = arrays.get(0).shape();
      npySampleShape = Arrays.copyOfRange(dims, 1, dims.length);
      available = sameCount(arrays);
      source = arrays.size() == 1 ? arrays.get(0).source() + " holds" : "the files hold";
    }
    int calibration = count(available, source);
    int held = Math.min(available - calibration, Math.max(1, calibration / 8));
    List<CalibrationInput> parts = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      int size = values.get(i).length / available;
      long[] shape = null;
      if (!arrays.isEmpty()) {
        long[] dims = arrays.get(i).shape();
        shape = Arrays.copyOfRange(dims, 1, dims.length);
      }
      float[] all = values.get(i);
      parts.add(
          new CalibrationInput(
              names.get(i),
              shape,
              Arrays.copyOf(all, calibration * size),
              Arrays.copyOfRange(all, calibration * size, (calibration + held) * size)));
    }
    try {
      return new Calibration(parts, calibration, held);
    } catch (UserError e) {
      throw arrays.size() != 1
          ? e
          : new UserError(arrays.get(0).source() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The samples to calibrate on: --calibration's, or by default {@link #DEFAULT_COUNT}, or, from
   * files that hold fewer than {@code DEFAULT_COUNT + DEFAULT_COUNT / 8}, eight ninths of them (so
   * that an eighth as many are held back).
   */
  private int count(int available, String source) {
    if (calibration != null) {
      if (available < calibration) {
        throw new UserError(
            source + " " + available + " samples, --calibration asks for " + calibration);
      }
      return calibration;
    }
    return available >= DEFAULT_COUNT + DEFAULT_COUNT / 8
        ? DEFAULT_COUNT
        : Math.max(1, (int) ((long) available * 8 / 9));
  }

  /**
   * The model input each --calibration-npy feeds, in the order given.
   *
   * @throws UserError when they are not one unnamed file for a model of one input, or one named
   *     file for each input
   */
  private List<ModelInput> fileOrder(List<ModelInput> inputs) {
    long unnamed = calibrationNpy.stream().filter(g -> name(g) == null).count();
    if (unnamed > 0) {
      if (calibrationNpy.size() > 1) {
        throw new UserError(
            "--calibration-npy takes one FILE for a model of one input, or NAME=FILE for each"
                + " input");
      }
      requireOneInput(inputs, "--calibration-npy FILE feeds one input");
      return inputs;
    }
    List<ModelInput> order = new ArrayList<>();
    for (String given : calibrationNpy) {
      String name = name(given);
      ModelInput input =
          inputs.stream()
              .filter(in -> in.key().equals(name))
              .findFirst()
              .orElseThrow(
                  () ->
                      new UserError(
                          "--calibration-npy names input '"
                              + name
                              + "', which the model does not have; its inputs: "
                              + InputBinding.describe(inputs)));
      if (order.contains(input)) {
        throw new UserError("--calibration-npy names input '" + name + "' twice");
      }
      order.add(input);
    }
    for (ModelInput input : inputs) {
      if (!order.contains(input)) {
        throw new UserError(
            "no --calibration-npy "
                + input.key()
                + "=FILE for input '"
                + input.key()
                + "'; the model's inputs: "
                + InputBinding.describe(inputs));
      }
    }
    return order;
  }

  private static void requireOneInput(List<ModelInput> inputs, String why) {
    if (inputs.size() != 1) {
      throw new UserError(
          why
              + ", the model has "
              + inputs.size()
              + " ("
              + InputBinding.describe(inputs)
              + "): give --calibration-npy NAME=FILE for each");
    }
  }

  /** The number of samples every file holds. */
  private static int sameCount(List<NpyArray> arrays) {
    long first = arrays.get(0).shape()[0];
    if (arrays.stream().allMatch(a -> a.shape()[0] == first)) {
      return Math.toIntExact(first);
    }
    throw new UserError(
        "every input needs the same number of calibration samples: "
            + arrays.stream()
                .map(a -> a.source() + " holds " + a.shape()[0])
                .collect(Collectors.joining(", ")));
  }

  /** The input named in {@code NAME=FILE}, or null for a plain {@code FILE}. */
  private static String name(String given) {
    int eq = given.indexOf('=');
    if (eq <= 0 || given.substring(0, eq).contains("/")) {
      return null;
    }
    return given.substring(0, eq);
  }

  private static Path file(String given) {
    return Path.of(name(given) == null ? given : given.substring(given.indexOf('=') + 1));
  }
}
