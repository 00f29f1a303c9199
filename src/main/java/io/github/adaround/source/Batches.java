package io.github.adaround.source;

import io.github.adaround.tf.TensorData;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Splits samples into the batches a signature takes: of its fixed batch size, the last one padded
 * with zero samples, or of {@link #CHUNK} samples when any size goes.
 */
public final class Batches {

  /** Samples per batch when the signature takes any batch size and the samples are small. */
  static final int CHUNK = 256;

  /**
   * Bytes of float32 values per sample row that one batch's fetched tensors may take together: a
   * batch of large activations (a 512x512 segmentation map of 124 classes is 130 MB a sample) has
   * fewer samples, down to one.
   */
  public static final long RUN_BYTES = 64L << 20;

  private Batches() {}

  /**
   * How many samples of {@code floatsPerSample} float32 values (all tensors fetched together) fit
   * in {@link #RUN_BYTES}: 1 to {@link #CHUNK}.
   */
  public static int rowsWithin(long floatsPerSample) {
    long rows = RUN_BYTES / (4 * Math.max(1, floatsPerSample));
    return (int) Math.max(1, Math.min(CHUNK, rows));
  }

  /**
   * Samples per run of {@code graph} fed at an input of {@code inputShape}, so that the input and
   * the fetched {@code tensors} ({@code name:k}) stay within {@link #RUN_BYTES}, from their shapes
   * as the graph infers them (a dimension it leaves unknown counted as the input's sample size).
   */
  public static int rowsFor(Graph graph, Shape inputShape, List<String> tensors) {
    long inputSize = 1;
    for (int i = 1; i < inputShape.numDimensions(); i++) {
      inputSize = Math.min(RUN_BYTES, inputSize * Math.max(1, inputShape.get(i)));
    }
    long floats = inputSize;
    for (String tensor : tensors) {
      String name = tensor.contains(":") ? tensor : tensor + ":0";
      int colon = name.lastIndexOf(':');
      GraphOperation op = graph.operation(name.substring(0, colon));
      Shape shape =
          op == null
              ? Shape.unknown()
              : op.output(Integer.parseInt(name.substring(colon + 1))).shape();
      long size = 1;
      for (int i = 1; i < shape.numDimensions() && !shape.isUnknown(); i++) {
        // Capped: one sample beyond the budget runs alone anyway.
        size = Math.min(RUN_BYTES, size * (shape.get(i) < 0 ? inputSize : shape.get(i)));
      }
      floats += shape.isUnknown() ? inputSize : size;
    }
    return rowsWithin(floats);
  }

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
    forEach(inputShape, samples, n, CHUNK, sink);
  }

  /**
   * As {@link #forEach(Shape, float[], int, BatchSink)}, at most {@code maxRows} samples a batch
   * when the signature takes any batch size (a fixed batch size is kept).
   */
  public static void forEach(
      Shape inputShape, float[] samples, int n, int maxRows, BatchSink sink) {
    long fixed = inputShape.get(0);
    int chunk = fixed > 0 ? Math.toIntExact(fixed) : Math.max(1, Math.min(CHUNK, maxRows));
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
