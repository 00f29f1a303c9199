package io.github.adaround.source;

import io.github.adaround.data.CalibrationInput;
import io.github.adaround.data.InputSamples;
import io.github.adaround.error.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.tensorflow.ndarray.Shape;

/**
 * Matches samples to a model's inputs: by name (one unnamed set of samples for a model of one
 * input), each with its concrete sample shape, which must agree with the input's shape on every
 * axis the model knows.
 */
public final class InputBinding {

  private InputBinding() {}

  /**
   * One model input with the samples fed to it.
   *
   * @param input the model's input
   * @param sampleShape one sample's concrete shape (no unknown axis)
   * @param values the samples, row-major
   */
  public record Bound(ModelInput input, Shape sampleShape, float[] values) {}

  /**
   * The samples of each of {@code inputs}, in their order.
   *
   * @throws UserError when an input has no samples, samples name no input, a sample shape does not
   *     fit its input, or the values are not whole samples
   */
  public static List<Bound> bind(List<ModelInput> inputs, InputSamples samples) {
    List<CalibrationInput> given = samples.inputs();
    boolean unnamed = given.stream().anyMatch(g -> g.name() == null);
    if (unnamed && (inputs.size() != 1 || given.size() != 1)) {
      throw new UserError(
          "the model has "
              + inputs.size()
              + " inputs ("
              + describe(inputs)
              + "): give the samples of each by its name");
    }
    for (CalibrationInput g : given) {
      if (!unnamed && inputs.stream().noneMatch(i -> i.key().equals(g.name()))) {
        throw new UserError(
            "the model has no input '" + g.name() + "'; its inputs: " + describe(inputs));
      }
    }
    List<Bound> bound = new ArrayList<>();
    for (ModelInput input : inputs) {
      int index = unnamed ? 0 : indexOf(given, input.key());
      if (index < 0) {
        throw new UserError(
            "no calibration samples for input '"
                + input.key()
                + "'; the model's inputs: "
                + describe(inputs));
      }
      CalibrationInput g = given.get(index);
      Shape sample = sampleShape(input, g);
      float[] values = samples.values().get(index);
      if (values.length != (long) samples.count() * sample.size()) {
        throw new UserError(
            "calibration data "
                + (g.name() == null ? "" : "of input '" + g.name() + "' ")
                + "must be whole samples of shape "
                + sample);
      }
      bound.add(new Bound(input, sample, values));
    }
    return bound;
  }

  /** The inputs as a user names them, with their shapes: {@code x [-1, 28, 28, 1], ...}. */
  public static String describe(List<ModelInput> inputs) {
    return inputs.stream().map(ModelInput::toString).collect(Collectors.joining(", "));
  }

  private static int indexOf(List<CalibrationInput> given, String name) {
    for (int i = 0; i < given.size(); i++) {
      if (name.equals(given.get(i).name())) {
        return i;
      }
    }
    return -1;
  }

  private static Shape sampleShape(ModelInput input, CalibrationInput given) {
    long[] declared = input.shape().asArray();
    long[] known = Arrays.copyOfRange(declared, 1, declared.length);
    long[] concrete = given.sampleShape();
    if (concrete == null) {
      if (Arrays.stream(known).anyMatch(d -> d < 0)) {
        throw new UserError(
            "input '"
                + input.key()
                + "' of shape "
                + input.shape()
                + " has axes of any size: give the samples' shape");
      }
      return Shape.of(known);
    }
    boolean fits = concrete.length == known.length;
    for (int i = 0; fits && i < known.length; i++) {
      fits = concrete[i] >= 0 && (known[i] < 0 || known[i] == concrete[i]);
    }
    if (!fits) {
      throw new UserError(
          "calibration samples of shape "
              + Arrays.toString(concrete)
              + " do not fit input '"
              + input.key()
              + "' of shape "
              + input.shape());
    }
    return Shape.of(concrete);
  }
}
