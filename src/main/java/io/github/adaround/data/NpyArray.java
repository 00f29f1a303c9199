package io.github.adaround.data;

import java.util.Arrays;

/**
 * A numeric array read from a {@code .npy} file, as float32 in C (row-major) order.
 *
 * @param source the file it was read from, named in errors
 * @param shape the array's shape, outermost first
 * @param values the values, row-major
 */
public record NpyArray(String source, long[] shape, float[] values) {

  /** Copies the arrays so that the record stays immutable. */
  public NpyArray {
    shape = shape.clone();
    values = values.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public float[] values() {
    return values.clone();
  }

  /**
   * Checks that the array is a batch of samples shaped like a model input's samples: any number of
   * them, also for a model whose batch size is fixed (the engine feeds them in batches of that
   * size).
   *
   * @param inputShape the model's input shape, batch axis first; a negative dimension matches any
   *     size; null (an input of unknown rank) matches every shape
   * @throws DataFileException naming the file when the shapes differ
   */
  public void requireShape(long[] inputShape) throws DataFileException {
    if (inputShape == null) {
      return;
    }
    boolean matches = shape.length == inputShape.length;
    for (int i = 1; matches && i < shape.length; i++) {
      matches = inputShape[i] < 0 || inputShape[i] == shape[i];
    }
    if (!matches) {
      throw new DataFileException(
          source,
          "shape "
              + Arrays.toString(shape)
              + " does not match the model input "
              + Arrays.toString(inputShape));
    }
  }

  @Override
  public String toString() {
    return source + " " + Arrays.toString(shape);
  }
}
