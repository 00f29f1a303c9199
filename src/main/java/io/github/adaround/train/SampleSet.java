package io.github.adaround.train;

import io.github.adaround.tf.TensorData;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Samples of one shape held in memory, row-major: {@code count} rows of {@code sampleShape}. */
public final class SampleSet implements Samples {

  private final float[] values;
  private final Shape sampleShape;
  private final int sampleSize;
  private final int count;

  /**
   * @param values {@code count * sampleShape.size()} values, one sample after another (not copied)
   * @param sampleShape the shape of one sample (no batch axis)
   */
  public SampleSet(float[] values, Shape sampleShape) {
    long size = sampleShape.size();
    if (size <= 0 || sampleShape.hasUnknownDimension()) {
      throw new IllegalArgumentException(
          "sample shape must be known and non-empty: " + sampleShape);
    }
    if (values.length % size != 0) {
      throw new IllegalArgumentException(
          values.length + " values are not a whole number of samples of shape " + sampleShape);
    }
    this.values = values;
    this.sampleShape = sampleShape;
    this.sampleSize = Math.toIntExact(size);
    this.count = values.length / sampleSize;
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public Shape sampleShape() {
    return sampleShape;
  }

  @Override
  public TFloat32 batch(int[] indices) {
    return TensorData.filled(
        Shape.of(indices.length).append(sampleShape),
        buffer -> {
          for (int i = 0; i < indices.length; i++) {
            buffer.offset((long) i * sampleSize).write(values, indices[i] * sampleSize, sampleSize);
          }
        });
  }
}
