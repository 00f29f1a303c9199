package io.github.adaround.source;

import io.github.adaround.tf.TensorData;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.DataType;

/**
 * Reads and writes resource variables ({@code VarHandleOp}) of a graph that may grow: adds one
 * {@code ReadVariableOp} per variable, and one {@code AssignVariableOp} fed by a placeholder, the
 * first time each is needed, under the scope {@code adaround_access}.
 */
final class VariableAccess {

  private final Graph graph;
  private final Session session;
  private final Map<String, Output<?>> reads = new HashMap<>();
  private final Map<String, GraphOperation> assigns = new HashMap<>();

  VariableAccess(Graph graph, Session session) {
    this.graph = graph;
    this.session = session;
  }

  /**
   * Sets the variables {@code handles} of {@code target} to this graph's values of them, in one run
   * that reads them all and one that writes them all: each run of a graph that grew costs a pass
   * over the whole graph, which for a large model is most of the time.
   */
  void copyTo(List<String> handles, VariableAccess target) {
    if (handles.isEmpty()) {
      return;
    }
    Session.Runner reads = session.runner();
    handles.forEach(h -> reads.fetch(readOf(h)));
    try (Result values = reads.run()) {
      Session.Runner writes = target.session.runner();
      for (int i = 0; i < handles.size(); i++) {
        GraphOperation assign = target.assignOf(handles.get(i));
        writes.feed(assign.input(1), values.get(i)).addTarget(assign);
      }
      writes.run().close();
    }
  }

  /** The value of a float32 variable. */
  float[] readFloats(String handle) {
    try (Result r = session.runner().fetch(readOf(handle)).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  private Output<?> readOf(String handle) {
    return reads.computeIfAbsent(
        handle,
        h ->
            graph
                .opBuilder("ReadVariableOp", scoped("read", h), graph.baseScope())
                .addInput(handleOf(h))
                .setAttr("dtype", dtypeOf(h))
                .build()
                .output(0));
  }

  /** Sets the variable to {@code value}. */
  void write(String handle, Tensor value) {
    GraphOperation assign = assignOf(handle);
    session.runner().feed(assign.input(1), value).addTarget(assign).run().close();
  }

  /** The op that assigns its input 1 to the variable {@code handle}. */
  private GraphOperation assignOf(String handle) {
    return assigns.computeIfAbsent(
        handle,
        h -> {
          GraphOperation value0 =
              graph
                  .opBuilder("Placeholder", scoped("value", h), graph.baseScope())
                  .setAttr("dtype", dtypeOf(h))
                  .build();
          return graph
              .opBuilder("AssignVariableOp", scoped("assign", h), graph.baseScope())
              .addInput(handleOf(h))
              .addInput(value0.output(0))
              .setAttr("dtype", dtypeOf(h))
              .build();
        });
  }

  private Output<?> handleOf(String handle) {
    GraphOperation op = graph.operationOrThrow(handle);
    if (!op.type().equals("VarHandleOp")) {
      throw new IllegalArgumentException("'" + handle + "' is not a resource variable");
    }
    return op.output(0);
  }

  private DataType dtypeOf(String handle) {
    return graph.operationOrThrow(handle).attributes().getAttrType("dtype");
  }

  private String scoped(String what, String handle) {
    String base = "adaround_access/" + what + "/" + handle.replaceAll("[^A-Za-z0-9_.\\-/]", "_");
    String name = base;
    for (int i = 1; graph.operation(name) != null; i++) {
      name = base + "_" + i;
    }
    return name;
  }
}
