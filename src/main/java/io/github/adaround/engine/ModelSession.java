package io.github.adaround.engine;

import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A loaded SavedModel as the engine uses it: run its graph on calibration samples up to any tensor,
 * read its variables, and overwrite them without adding a single op, so that it can be exported
 * clean.
 */
final class ModelSession implements AutoCloseable {

  /** Samples per run when the signature takes any batch size. */
  private static final int CHUNK = 256;

  private final SavedModelBundle bundle;
  private final String inputName;
  private final Shape inputShape;
  private final List<String> outputNames;

  ModelSession(SavedModelBundle bundle, String signatureKey) {
    this.bundle = bundle;
    Signature signature =
        bundle.signatures().stream()
            .filter(s -> s.key().equals(signatureKey))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no signature '" + signatureKey + "'"));
    if (signature.getInputs().size() != 1) {
      throw new IllegalArgumentException(
          "signature '"
              + signatureKey
              + "' must have one input, has "
              + signature.getInputs().size());
    }
    var input = signature.getInputs().values().iterator().next();
    this.inputName = input.name;
    this.inputShape = input.shape;
    this.outputNames =
        signature.getOutputs().values().stream().map(o -> withIndex(o.name)).toList();
  }

  /** The signature's input tensor, e.g. {@code input:0}. */
  String inputName() {
    return withIndex(inputName);
  }

  /** The signature's output tensors. */
  List<String> outputNames() {
    return outputNames;
  }

  /** One sample's shape: the input shape without its batch axis. */
  Shape sampleShape() {
    long[] dims = inputShape.asArray();
    return Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
  }

  SavedModelBundle bundle() {
    return bundle;
  }

  /**
   * The value of tensor {@code tensor} (such as {@code "conv1/Relu:0"}) for each of {@code n}
   * samples, fed through the signature's input in chunks (of the signature's fixed batch size,
   * padding the last chunk, when it has one).
   *
   * @param samples n samples, row-major
   * @param sink receives each chunk's rows
   */
  void forEachChunk(String tensor, float[] samples, int n, ChunkSink sink) {
    long fixed = inputShape.get(0);
    int chunk = fixed > 0 ? Math.toIntExact(fixed) : CHUNK;
    int sampleSize = Math.toIntExact(sampleShape().size());
    for (int start = 0; start < n; start += chunk) {
      int rows = Math.min(chunk, n - start);
      int fed = fixed > 0 ? chunk : rows;
      float[] values = new float[fed * sampleSize];
      System.arraycopy(samples, start * sampleSize, values, 0, rows * sampleSize);
      if (isInput(tensor)) {
        sink.accept(values, rows, sampleShape());
        continue;
      }
      try (TFloat32 x = TensorData.floats(Shape.of(fed).append(sampleShape()), values);
          Result r = bundle.session().runner().feed(inputName, x).fetch(tensor).run()) {
        Shape shape = r.get(0).shape();
        long[] dims = shape.asArray();
        Shape sample = Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
        sink.accept(TensorData.floats(r.get(0)), rows, sample);
      }
    }
  }

  /**
   * The values of several tensors for each chunk of {@code n} samples, one array per tensor in the
   * order asked, without the padding rows of a fixed batch size.
   */
  void forEachChunk(List<String> tensors, float[] samples, int n, Consumer<List<float[]>> sink) {
    long fixed = inputShape.get(0);
    int chunk = fixed > 0 ? Math.toIntExact(fixed) : CHUNK;
    int sampleSize = Math.toIntExact(sampleShape().size());
    for (int start = 0; start < n; start += chunk) {
      int rows = Math.min(chunk, n - start);
      int fed = fixed > 0 ? chunk : rows;
      float[] values = new float[fed * sampleSize];
      System.arraycopy(samples, start * sampleSize, values, 0, rows * sampleSize);
      var runner = bundle.session().runner();
      List<String> fetched = tensors.stream().filter(t -> !isInput(t)).toList();
      try (TFloat32 x = TensorData.floats(Shape.of(fed).append(sampleShape()), values)) {
        runner.feed(inputName, x);
        fetched.forEach(runner::fetch);
        try (Result r = runner.run()) {
          List<float[]> out = new ArrayList<>();
          int next = 0;
          for (String t : tensors) {
            float[] all = isInput(t) ? values : TensorData.floats(r.get(next++));
            out.add(Arrays.copyOf(all, Math.toIntExact(all.length / fed * (long) rows)));
          }
          sink.accept(out);
        }
      }
    }
  }

  /** The shape of one sample's {@code tensor}, as the model computes it. */
  Shape sampleShapeOf(String tensor) {
    Shape[] shape = new Shape[1];
    long fixed = inputShape.get(0);
    int rows = fixed > 0 ? Math.toIntExact(fixed) : 1;
    forEachChunk(
        tensor,
        new float[Math.toIntExact(rows * sampleShape().size())],
        1,
        (values, n, sample) -> shape[0] = sample);
    return shape[0];
  }

  private boolean isInput(String tensor) {
    return withIndex(tensor).equals(withIndex(inputName));
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
    try (Result r = bundle.session().runner().fetch(variable).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  /**
   * Overwrites a float32 variable without adding ops (see {@link VariableWriter}).
   *
   * @throws IllegalStateException if the graph holds no assign of that variable
   */
  void write(String variable, Shape shape, float[] value) {
    try (TFloat32 t = TensorData.floats(shape, value)) {
      VariableWriter.write(bundle.session(), bundle.graph(), variable, t);
    }
  }

  /** Exports the graph with its current variables and the input's signatures. */
  void export(Path dir) throws IOException {
    var exporter = SavedModelBundle.exporter(dir.toString()).withSession(bundle.session());
    for (Signature s : bundle.signatures()) {
      exporter.withSignature(s);
    }
    exporter.export();
  }

  @Override
  public void close() {
    bundle.close();
  }
}
