package io.github.adaround.source;

import io.github.adaround.tf.TensorData;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;

/**
 * What every {@link ModelSource} holds alike: the calibration graph, its session and the signature
 * fed at one tensor and read at others. Subclasses add how weights are read, written and exported.
 */
abstract class AbstractModelSource implements ModelSource {

  private final Graph graph;
  private final Session session;
  private final ChosenSignature signature;

  /**
   * @param graph the calibration graph, returned by {@link #graph()}
   * @param session its session, returned by {@link #session()}
   * @param signature the tensors of {@code graph} fed and read
   */
  AbstractModelSource(Graph graph, Session session, ChosenSignature signature) {
    this.graph = graph;
    this.session = session;
    this.signature = signature;
  }

  @Override
  public final Graph graph() {
    return graph;
  }

  @Override
  public final Session session() {
    return session;
  }

  @Override
  public final List<ModelInput> inputs() {
    return signature.inputs();
  }

  @Override
  public final List<String> outputTensors() {
    return signature.outputs();
  }

  /**
   * The float32 value that {@link #session()} computes for {@code fetched}, a tensor or an op (its
   * first output), such as a {@code VariableV2} or a read of a resource variable.
   */
  final float[] fetchFloats(String fetched) {
    try (Result r = session.runner().fetch(fetched).run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
