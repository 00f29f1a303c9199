package io.github.adaround.source;

import io.github.adaround.data.InputSamples;
import io.github.adaround.error.UserError;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A model held in memory: a {@code Graph} and the {@code Session} that holds its variables, as a
 * TF-Java user built or trained it (or a loaded {@code SavedModelBundle}'s), fed at some operands
 * and read at others. Weights are {@code VariableV2}s, written through an assign the graph holds
 * (such as the initializer of {@code tf.variable(init)}), or resource variables, read and written
 * through ops this class adds under {@code adaround_access}. The caller keeps ownership of both.
 */
public final class LiveGraph extends AbstractModelSource {

  private final boolean owned;
  private final VariableAccess resources;

  private LiveGraph(Graph graph, Session session, ChosenSignature signature, boolean owned) {
    super(graph, session, signature);
    this.owned = owned;
    this.resources = new VariableAccess(graph, session);
  }

  /**
   * The model of {@code graph} and {@code session}, fed at {@code input} (shape {@code [batch,
   * ...]}, the batch free or fixed) and read at {@code outputs}.
   *
   * @throws UserError when the input's rank is not known
   */
  public static LiveGraph of(
      Graph graph, Session session, Operand<?> input, List<? extends Operand<?>> outputs) {
    return of(graph, session, List.of(input), outputs);
  }

  /**
   * The model of {@code graph} and {@code session}, fed at each of {@code inputs} (shapes {@code
   * [batch, ...]}) and read at {@code outputs}. Each input is named by its op ({@code op:k} for an
   * op's output {@code k > 0}), as calibration data names it; an axis of unknown size takes the
   * calibration data's.
   *
   * @throws UserError when an input's rank is not known
   */
  public static LiveGraph of(
      Graph graph,
      Session session,
      List<? extends Operand<?>> inputs,
      List<? extends Operand<?>> outputs) {
    List<ModelInput> fed = new ArrayList<>();
    for (Operand<?> input : inputs) {
      Shape shape = input.shape();
      if (shape.isUnknown() || shape.numDimensions() < 1) {
        throw new UserError("the input's shape must be known: [batch, ...]");
      }
      int index = input.asOutput().index();
      String key = index == 0 ? input.op().name() : name(input);
      fed.add(new ModelInput(key, name(input), shape));
    }
    List<String> outputNames = List.copyOf(outputs.stream().map(LiveGraph::name).toList());
    return new LiveGraph(graph, session, new ChosenSignature(fed, outputNames), false);
  }

  private static String name(Operand<?> operand) {
    return operand.op().name() + ":" + operand.asOutput().index();
  }

  /**
   * A copy of this model in a graph and session of its own, every variable holding its current
   * value: the FP reference while this one is quantized. Closing it closes the copy.
   */
  public LiveGraph snapshot() {
    Graph copy = new Graph();
    copy.importGraphDef(graph().toGraphDef());
    Session copySession = new Session(copy);
    ChosenSignature signature = new ChosenSignature(inputs(), outputTensors());
    LiveGraph snapshot = new LiveGraph(copy, copySession, signature, true);
    List<String> resourceVariables = new ArrayList<>();
    Iterator<GraphOperation> ops = graph().operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if (op.type().equals("VariableV2") && !op.name().startsWith("adaround_access/")) {
        try (Result r = session().runner().fetch(op.name()).run()) {
          VariableWriter.write(copySession, copy, op.name(), r.get(0));
        }
      } else if (op.type().equals("VarHandleOp")) {
        resourceVariables.add(op.name());
      }
    }
    resources.copyTo(resourceVariables, snapshot.resources);
    return snapshot;
  }

  @Override
  public float[] read(String weight) {
    if (isResource(weight)) {
      return resources.readFloats(weight);
    }
    return fetchFloats(weight);
  }

  @Override
  public void write(String weight, Shape shape, float[] value) {
    try (TFloat32 t = TensorData.floats(shape, value)) {
      if (isResource(weight)) {
        resources.write(weight, t);
      } else {
        VariableWriter.write(session(), graph(), weight, t);
      }
    }
  }

  private boolean isResource(String weight) {
    return graph().operationOrThrow(weight).type().equals("VarHandleOp");
  }

  /** Nothing to check: the graph is the caller's own. */
  @Override
  public void verify(InputSamples samples) {}

  /** Writes a SavedModel of the session with one signature, {@code serving_default}. */
  @Override
  public void export(Path dir) throws IOException {
    Signature.Builder signature = Signature.builder();
    for (ModelInput input : inputs()) {
      signature.input(inputs().size() == 1 ? "input" : input.key(), operand(input.tensor()));
    }
    for (int i = 0; i < outputTensors().size(); i++) {
      signature.output("output_" + i, operand(outputTensors().get(i)));
    }
    SavedModelBundle.exporter(dir.toString())
        .withSession(session())
        .withSignature(signature.build())
        .export();
  }

  private Operand<?> operand(String tensor) {
    int colon = tensor.lastIndexOf(':');
    return graph()
        .operationOrThrow(tensor.substring(0, colon))
        .output(Integer.parseInt(tensor.substring(colon + 1)));
  }

  @Override
  public Optional<SavedModelBundle> rewritableBundle() {
    return Optional.empty();
  }

  /** Closes the graph and session of a {@link #snapshot()}; the caller's own stay open. */
  @Override
  public void close() {
    if (owned) {
      session().close();
      graph().close();
    }
  }
}
