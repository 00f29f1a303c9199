package io.github.adaround.data;

import java.util.List;

/**
 * A set of samples to feed a model: {@code count} samples of each of its inputs.
 *
 * @param inputs the inputs: their names and sample shapes as in {@link CalibrationInput}
 * @param values each input's {@code count} samples, row-major, in the order of {@code inputs}
 * @param count how many samples
 */
public record InputSamples(List<CalibrationInput> inputs, List<float[]> values, int count) {

  public InputSamples {
    inputs = List.copyOf(inputs);
    values = List.copyOf(values);
  }

  /** The first {@code n} samples. */
  public InputSamples first(int n) {
    return new InputSamples(
        inputs,
        values.stream()
            .map(v -> java.util.Arrays.copyOf(v, count == 0 ? 0 : v.length / count * n))
            .toList(),
        n);
  }
}
