package io.github.adaround.source;

import io.github.adaround.data.InputSamples;
import io.github.adaround.tf.TensorData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Splits samples into the batches a signature takes: of its fixed batch size (an input's that fixes
 * one), the last one padded with zero samples, or of {@link #CHUNK} samples when any size goes; one
 * tensor per input.
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
   * Samples per run of {@code graph} fed at an input of {@code inputShape} (with its batch axis),
   * as {@link #rowsFor(Graph, List, List)} for that one input.
   */
  public static int rowsFor(Graph graph, Shape inputShape, List<String> tensors) {
    long[] dims = inputShape.asArray();
    return rowsFor(
        graph,
        List.of(Shape.of(Arrays.copyOfRange(dims, Math.min(1, dims.length), dims.length))),
        tensors);
  }

  /**
   * Samples per run of {@code graph} fed the samples of {@code inputs}, so that every input's
   * sample and the fetched {@code tensors} ({@code name:k}) stay within {@link #RUN_BYTES}.
   */
  public static int rowsFor(
      Graph graph, List<ModelInput> inputs, InputSamples samples, List<String> tensors) {
    return rowsFor(
        graph,
        InputBinding.bind(inputs, samples).stream().map(InputBinding.Bound::sampleShape).toList(),
        tensors);
  }

  /**
   * Samples per run of {@code graph} fed samples of {@code sampleShapes} (one per input, without
   * the batch axis), so that the inputs and the fetched {@code tensors} ({@code name:k}) stay
   * within {@link #RUN_BYTES}, from their shapes as the graph infers them (a dimension it leaves
   * unknown counted as the largest input's sample size).
   */
  public static int rowsFor(Graph graph, List<Shape> sampleShapes, List<String> tensors) {
    long floats = 0;
    long inputSize = 1;
    for (Shape sampleShape : sampleShapes) {
      long size = 1;
      for (int i = 0; i < sampleShape.numDimensions(); i++) {
        size = Math.min(RUN_BYTES, size * Math.max(1, sampleShape.get(i)));
      }
      floats += size;
      inputSize = Math.max(inputSize, size);
    }
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

  /**
   * Receives one batch, a tensor per input in the model's input order, and how many of its leading
   * samples are real (the rest is padding).
   */
  @FunctionalInterface
  public interface BatchSink {
    void accept(List<TFloat32> batch, int rows);
  }

  /**
   * Feeds the samples of each of {@code inputs} ({@link InputBinding#bind}), in batches, to {@code
   * sink}; each batch's tensors are closed after the sink returns.
   */
  public static void forEach(List<ModelInput> inputs, InputSamples samples, BatchSink sink) {
    forEach(inputs, samples, CHUNK, sink);
  }

  /**
   * As {@link #forEach(List, InputSamples, BatchSink)}, at most {@code maxRows} samples a batch
   * when the signature takes any batch size (a fixed batch size is kept).
   */
  public static void forEach(
      List<ModelInput> inputs, InputSamples samples, int maxRows, BatchSink sink) {
    List<InputBinding.Bound> bound = InputBinding.bind(inputs, samples);
    long fixed = inputs.stream().mapToLong(i -> i.shape().get(0)).max().orElse(-1);
    int chunk = fixed > 0 ? Math.toIntExact(fixed) : Math.max(1, Math.min(CHUNK, maxRows));
    int n = samples.count();
    for (int start = 0; start < n; start += chunk) {
      int rows = Math.min(chunk, n - start);
      int fed = fixed > 0 ? chunk : rows;
      List<TFloat32> batch = new ArrayList<>();
      try {
        for (InputBinding.Bound b : bound) {
          int size = Math.toIntExact(b.sampleShape().size());
          float[] values = new float[fed * size];
          System.arraycopy(b.values(), start * size, values, 0, rows * size);
          batch.add(TensorData.floats(Shape.of(fed).append(b.sampleShape()), values));
        }
        sink.accept(batch, rows);
      } finally {
        batch.forEach(TFloat32::close);
      }
    }
  }

  /** Feeds one batch's tensors to {@code runner} at the inputs' tensors. */
  public static org.tensorflow.Session.Runner feed(
      org.tensorflow.Session.Runner runner, List<ModelInput> inputs, List<TFloat32> batch) {
    for (int i = 0; i < inputs.size(); i++) {
      runner.feed(inputs.get(i).tensor(), batch.get(i));
    }
    return runner;
  }
}
