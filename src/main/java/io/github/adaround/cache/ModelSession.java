package io.github.adaround.cache;

import io.github.adaround.error.UserError;
import io.github.adaround.source.Batches;
import io.github.adaround.source.ModelSource;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;

/**
 * A model as the engine uses it: run its flat graph on calibration samples up to any tensor, read
 * and write its weights, export it.
 */
public final class ModelSession implements AutoCloseable {

  private final ModelSource source;

  public ModelSession(ModelSource source) {
    this.source = source;
  }

  public ModelSource source() {
    return source;
  }

  /** The flat graph whose tensors {@link #forEachChunk} fetches. */
  public Graph graph() {
    return source.graph();
  }

  /** The signature's input tensor, e.g. {@code input:0}. */
  public String inputName() {
    return withIndex(source.inputTensor());
  }

  /** The signature's output tensors. */
  public List<String> outputNames() {
    return source.outputTensors().stream().map(ModelSession::withIndex).toList();
  }

  /**
   * The loaded SavedModel, for exports that rewrite its graph (codes, the simulated integer model).
   *
   * @throws UserError when the model's format has to be written by its own saver
   */
  public SavedModelBundle bundle(String purpose) {
    return source
        .rewritableBundle()
        .orElseThrow(
            () ->
                new UserError(
                    purpose
                        + " works on flat SavedModels of VariableV2 weights; this model is"
                        + " written by its own saver"));
  }

  /** One sample's shape: the input shape without its batch axis. */
  public Shape sampleShape() {
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
  public void forEachChunk(String tensor, float[] samples, int n, ChunkSink sink) {
    Batches.forEach(
        source.inputShape(),
        samples,
        n,
        Batches.rowsFor(source.graph(), source.inputShape(), List.of(tensor)),
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

  /**
   * The values of several tensors for each batch of {@code n} samples, one array per tensor in the
   * order asked, without the padding rows of a fixed batch size.
   */
  public void forEachChunk(
      List<String> tensors, float[] samples, int n, Consumer<List<float[]>> sink) {
    List<String> fetched = tensors.stream().filter(t -> !isInput(t)).toList();
    Batches.forEach(
        source.inputShape(),
        samples,
        n,
        Batches.rowsFor(source.graph(), source.inputShape(), tensors),
        (x, rows) -> {
          var runner = source.session().runner().feed(source.inputTensor(), x);
          fetched.forEach(runner::fetch);
          long fed = x.shape().get(0);
          try (Result r = runner.run()) {
            List<float[]> out = new ArrayList<>();
            int next = 0;
            for (String t : tensors) {
              float[] all = isInput(t) ? TensorData.floats(x) : TensorData.floats(r.get(next++));
              out.add(Arrays.copyOf(all, Math.toIntExact(all.length / fed * rows)));
            }
            sink.accept(out);
          }
        });
  }

  /** The shape of one sample's {@code tensor}, as the model computes it. */
  public Shape sampleShapeOf(String tensor) {
    Shape[] shape = new Shape[1];
    long fixed = source.inputShape().get(0);
    int rows = fixed > 0 ? Math.toIntExact(fixed) : 1;
    forEachChunk(
        tensor,
        new float[Math.toIntExact(rows * sampleShape().size())],
        1,
        (values, n, sample) -> shape[0] = sample);
    return shape[0];
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
  public interface ChunkSink {
    void accept(float[] values, int rows, Shape sampleShape);
  }

  /** A copy of a float32 variable's value. */
  public float[] read(String variable) {
    return source.read(variable);
  }

  /** Overwrites a float32 variable. */
  public void write(String variable, Shape shape, float[] value) {
    source.write(variable, shape, value);
  }

  /** Exports the model with its current variables and the input's signatures. */
  public void export(Path dir) throws IOException {
    source.export(dir);
  }

  @Override
  public void close() {
    source.close();
  }
}
