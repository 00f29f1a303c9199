package io.github.adaround.cache;

import io.github.adaround.data.InputSamples;
import io.github.adaround.error.UserError;
import io.github.adaround.source.Batches;
import io.github.adaround.source.InputBinding;
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

  /** The signature's input tensors, e.g. {@code input:0}, in its key order. */
  public List<String> inputNames() {
    return source.inputs().stream().map(i -> withIndex(i.tensor())).toList();
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

  /**
   * Checks that {@code samples} fit the model's inputs.
   *
   * @throws UserError when they do not ({@link InputBinding#bind})
   */
  public void check(InputSamples samples) {
    InputBinding.bind(source.inputs(), samples);
  }

  /**
   * The value of tensor {@code tensor} (such as {@code "conv1/Relu:0"}) for each of the samples,
   * fed through the signature's inputs in batches (of the signature's fixed batch size, padding the
   * last one, when it has one); padding rows never reach the sink's first {@code rows}.
   *
   * @param samples the samples of every input
   * @param sink receives each chunk's rows
   */
  public void forEachChunk(String tensor, InputSamples samples, ChunkSink sink) {
    int input = inputNames().indexOf(withIndex(tensor));
    Batches.forEach(
        source.inputs(),
        samples,
        Batches.rowsFor(source.graph(), source.inputs(), samples, List.of(tensor)),
        (x, rows) -> {
          if (input >= 0) {
            sink.accept(TensorData.floats(x.get(input)), rows, sampleOf(x.get(input).shape()));
            return;
          }
          try (Result r =
              Batches.feed(source.session().runner(), source.inputs(), x).fetch(tensor).run()) {
            sink.accept(TensorData.floats(r.get(0)), rows, sampleOf(r.get(0).shape()));
          }
        });
  }

  /**
   * The values of several tensors for each batch of the samples, one array per tensor in the order
   * asked, without the padding rows of a fixed batch size.
   */
  public void forEachChunk(
      List<String> tensors, InputSamples samples, Consumer<List<float[]>> sink) {
    List<String> inputs = inputNames();
    List<String> fetched = tensors.stream().filter(t -> !inputs.contains(withIndex(t))).toList();
    Batches.forEach(
        source.inputs(),
        samples,
        Batches.rowsFor(source.graph(), source.inputs(), samples, tensors),
        (x, rows) -> {
          var runner = Batches.feed(source.session().runner(), source.inputs(), x);
          fetched.forEach(runner::fetch);
          long fed = x.get(0).shape().get(0);
          try (Result r = runner.run()) {
            List<float[]> out = new ArrayList<>();
            int next = 0;
            for (String t : tensors) {
              int input = inputs.indexOf(withIndex(t));
              float[] all =
                  input >= 0 ? TensorData.floats(x.get(input)) : TensorData.floats(r.get(next++));
              out.add(Arrays.copyOf(all, Math.toIntExact(all.length / fed * rows)));
            }
            sink.accept(out);
          }
        });
  }

  /** The shape of one sample's {@code tensor}, as the model computes it from the first sample. */
  public Shape sampleShapeOf(String tensor, InputSamples samples) {
    Shape[] shape = new Shape[1];
    forEachChunk(tensor, samples.first(1), (values, n, sample) -> shape[0] = sample);
    return shape[0];
  }

  private static Shape sampleOf(Shape batch) {
    long[] dims = batch.asArray();
    return Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
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
