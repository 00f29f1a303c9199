package io.github.adaround.source;

import io.github.adaround.data.InputSamples;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;

/**
 * A model in one of the formats users hold, as the engine works with it: a flat graph in which
 * every layer's input and output can be fetched, the weights read and written by name, and an
 * export in the model's own format with the written weights. One implementation per format.
 */
public interface ModelSource extends AutoCloseable {

  /** The flat graph that computes the chosen signature, every tensor fetchable. */
  Graph graph();

  /** The session of {@link #graph()}, holding the model's current weights. */
  Session session();

  /** The signature's inputs, in its key order: what each is called, fed at, and shaped. */
  List<ModelInput> inputs();

  /**
   * The tensor of {@link #graph()} that the signature's first input is fed to, e.g. {@code x:0}.
   */
  default String inputTensor() {
    return inputs().get(0).tensor();
  }

  /** The signature's first input's shape; {@code -1} where any size goes. */
  default Shape inputShape() {
    return inputs().get(0).shape();
  }

  /** The tensors of {@link #graph()} that the signature returns. */
  List<String> outputTensors();

  /** A copy of the float32 weight held by the variable op {@code weight}. */
  float[] read(String weight);

  /** Sets the float32 weight held by the variable op {@code weight}. */
  void write(String weight, Shape shape, float[] value);

  /**
   * Checks, before the graph is used, that it computes what the model as loaded computes on these
   * samples.
   *
   * @param samples samples of every input, as {@link Batches#forEach} takes them
   * @throws IllegalStateException when the outputs differ
   */
  void verify(InputSamples samples);

  /**
   * Notes that the batch norm op {@code op} has been folded into the layer before it (its
   * parameters written as the identity): an export that can drop the op does. By default the op
   * stays, computing the identity.
   */
  default void foldedAway(String op) {}

  /** Writes the model with its current weights to {@code dir} (which must not exist). */
  void export(Path dir) throws IOException;

  /**
   * The loaded SavedModel whose graph an export may rewrite (to store weights as codes), or empty
   * when the format's own saver has to write the model.
   */
  Optional<SavedModelBundle> rewritableBundle();

  @Override
  void close();
}
