package io.github.adaround.data;

import java.util.Arrays;

/**
 * The calibration data of one model input.
 *
 * @param name the input it feeds: a signature's input key or a graph's fed node; null for the
 *     model's only input
 * @param sampleShape one sample's shape, or null for the shape the model declares (which must then
 *     be known on every axis but the batch)
 * @param samples the calibration samples, row-major
 * @param heldBack the held-back samples, row-major
 */
public record CalibrationInput(String name, long[] sampleShape, float[] samples, float[] heldBack) {

  public CalibrationInput {
    sampleShape = sampleShape == null ? null : sampleShape.clone();
  }

  @Override
  public long[] sampleShape() {
    return sampleShape == null ? null : sampleShape.clone();
  }

  /** The name for messages: the input's name, or "the input". */
  public String label() {
    return name == null ? "the input" : "input '" + name + "'";
  }

  @Override
  public String toString() {
    return label() + (sampleShape == null ? "" : " " + Arrays.toString(sampleShape));
  }
}
