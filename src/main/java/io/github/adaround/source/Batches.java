package io.github.adaround.source;

import io.github.adaround.tf.TensorData;
import java.util.Arrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Splits samples into the batches a signature takes: of its fixed batch size, the last one padded
 * with zero samples, or of {@link #CHUNK} samples when any size goes.
 */
public final class Batches {

  /** Samples per batch when the signature takes any batch size. */
  static final int CHUNK = 256;

  private Batches() {}

  /** Receives one batch and how many of its leading samples are real (the rest is padding). */
  @FunctionalInterface
  public interface BatchSink {
    void accept(TFloat32 batch, int rows);
  }

  /**
   * Feeds {@code n} samples of {@code inputShape} without its batch axis, in batches, to {@code
   * sink}; each batch tensor is closed after the sink returns.
   */
  public static void forEach(Shape inputShape, float[] samples, int n, BatchSink sink) {
    long fixed = inputShape.get(0);
    int chunk = fixed > 0 ? Math.toIntExact(fixed) : CHUNK;
    long[] dims = inputShape.asArray();
    Shape sampleShape = Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
    int sampleSize = Math.toIntExact(sampleShape.size());
    for (int start = 0; start < n; start += chunk) {
      int rows = Math.min(chunk, n - start);
      int fed = fixed > 0 ? chunk : rows;
      float[] values = new float[fed * sampleSize];
      System.arraycopy(samples, start * sampleSize, values, 0, rows * sampleSize);
      try (TFloat32 x = TensorData.floats(Shape.of(fed).append(sampleShape), values)) {
        sink.accept(x, rows);
      }
    }
  }
}
