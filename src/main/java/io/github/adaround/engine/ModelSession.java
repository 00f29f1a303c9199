package io.github.adaround.engine;

import io.github.adaround.source.Batches;
import io.github.adaround.source.ModelSource;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;

/**
 * A model as the engine uses it: run its flat graph on calibration samples up to any tensor, read
 * and write its weights, export it.
 */
final class ModelSession implements AutoCloseable {

  private final ModelSource source;

  ModelSession(ModelSource source) {
    this.source = source;
  }

  ModelSource source() {
    return source;
  }

  /** The flat graph whose tensors {@link #forEachChunk} fetches. */
  Graph graph() {
    return source.graph();
  }

  /** One sample's shape: the input shape without its batch axis. */
  Shape sampleShape() {
    long[] dims = source.inputShape().asArray();
    return Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
  }

  /**
   * The value of tensor {@code tensor} (such as {@code "conv1/Relu:0"}) for each of {@code n}
   * samples, fed through the signature's input in batches (of the signature's fixed batch size,
   * padding the last one, when it has one); padding rows never reach the sink's first {@code rows}.
   *
   * @param samples n samples, row-major
   * @param sink receives each chunk's rows
   */
  void forEachChunk(String tensor, float[] samples, int n, ChunkSink sink) {
    Batches.forEach(
        source.inputShape(),
        samples,
        n,
        (x, rows) -> {
          if (isInput(tensor)) {
            sink.accept(TensorData.floats(x), rows, sampleShape());
            return;
          }
          try (Result r =
              source.session().runner().feed(source.inputTensor(), x).fetch(tensor).run()) {
            long[] dims = r.get(0).shape().asArray();
            Shape sample = Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
            sink.accept(TensorData.floats(r.get(0)), rows, sample);
          }
        });
  }

  private boolean isInput(String tensor) {
    return withIndex(tensor).equals(withIndex(source.inputTensor()));
  }

  private static String withIndex(String tensor) {
    return tensor.contains(":") ? tensor : tensor + ":0";
  }

  /**
   * Receives the rows of one chunk and the shape of one row; the values may hold padding rows after
   * {@code rows}.
   */
  @FunctionalInterface
  interface ChunkSink {
    void accept(float[] values, int rows, Shape sampleShape);
  }

  /** A copy of a float32 variable's value. */
  float[] read(String variable) {
    return source.read(variable);
  }

  /** Overwrites a float32 variable. */
  void write(String variable, Shape shape, float[] value) {
    source.write(variable, shape, value);
  }

  /** Exports the model with its current variables and the input's signatures. */
  void export(Path dir) throws IOException {
    source.export(dir);
  }

  @Override
  public void close() {
    source.close();
  }
}
