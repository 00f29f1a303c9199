package io.github.adaround.source;

import org.tensorflow.ndarray.Shape;

/**
 * One input of a model: the name a user gives it, the tensor it is fed at, and its shape.
 *
 * @param key a SavedModel signature's input key, or a graph's fed node as named
 * @param tensor the fed tensor of the model's graph, e.g. {@code serving_default_x:0}
 * @param shape its shape, {@code -1} where any size goes
 */
public record ModelInput(String key, String tensor, Shape shape) {

  @Override
  public String toString() {
    return key + " " + shape;
  }
}
