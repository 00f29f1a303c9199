package io.github.adaround.source;

import java.util.Iterator;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/**
 * Sets a variable of a graph without adding ops: runs an assign the graph already holds for it (a
 * loader's or its saver's restore {@code Assign} of a {@code VariableV2}, {@code AssignVariableOp}
 * of a resource variable) with the assigned value fed.
 */
public final class VariableWriter {

  private VariableWriter() {}

  /**
   * @throws IllegalStateException if the graph holds no assign of that variable
   */
  public static void write(Session session, Graph graph, String variable, Tensor value) {
    GraphOperation assign = assignOf(graph, variable);
    session.runner().feed(assign.input(1), value).addTarget(assign).run().close();
  }

  private static GraphOperation assignOf(Graph graph, String variable) {
    Iterator<GraphOperation> ops = graph.operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if ((op.type().equals("Assign") || op.type().equals("AssignVariableOp"))
          && op.input(0).op().name().equals(variable)) {
        return op;
      }
    }
    throw new IllegalStateException("the graph holds no assign of variable '" + variable + "'");
  }
}
