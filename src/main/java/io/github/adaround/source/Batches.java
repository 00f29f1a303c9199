package io.github.adaround.source;

import io.github.adaround.data.InputSamples;
import io.github.adaround.tf.TensorData;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Splits samples into the batches a signature takes: of its fixed batch size (an input's that fixes
 * one), the last one padded with zero samples, or of {@link #CHUNK} samples when any size goes; one
 * tensor per input.
 */
public final class Batches {

  /** Samples per batch when the signature takes any batch size. */
  static final int CHUNK = 256;

  private Batches() {}

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
    List<InputBinding.Bound> bound = InputBinding.bind(inputs, samples);
    long fixed = inputs.stream().mapToLong(i -> i.shape().get(0)).max().orElse(-1);
    int chunk = fixed > 0 ? Math.toIntExact(fixed) : CHUNK;
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
