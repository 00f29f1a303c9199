package io.github.adaround.source;

import java.util.Comparator;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.Tensor;

/**
 * Sets a variable of a graph without adding ops: runs an assign the graph already holds for it with
 * the assigned value fed. The assign is chosen so that running it needs nothing else: one without
 * control inputs (TF1 Keras graphs hold {@code set_weights} assigns of placeholders that run after
 * others, which need placeholders of their own), preferably the saver's restore {@code Assign} (its
 * value a {@code RestoreV2} output), then a plain one, such as the loader's initializer; for a
 * resource variable, an {@code AssignVariableOp}.
 */
public final class VariableWriter {

  private static final Set<String> ASSIGNS = Set.of("Assign", "AssignVariableOp");
  private static final Set<String> RESTORES = Set.of("RestoreV2", "Restore", "RestoreSlice");

  private VariableWriter() {}

  /**
   * @throws IllegalStateException if the graph holds no assign of that variable that runs alone
   */
  public static void write(Session session, Graph graph, String variable, Tensor value) {
    GraphOperation assign = assignOf(graph, variable);
    session.runner().feed(assign.input(1), value).addTarget(assign).run().close();
  }

  private static GraphOperation assignOf(Graph graph, String variable) {
    Optional<GraphOperation> chosen =
        assigns(graph, variable)
            .filter(op -> op.numControlInputs() == 0)
            .min(Comparator.comparingInt(op -> RESTORES.contains(op.input(1).op().type()) ? 0 : 1));
    return chosen.orElseThrow(
        () ->
            new IllegalStateException(
                "the graph holds no assign of variable '" + variable + "' that runs alone"));
  }

  private static Stream<GraphOperation> assigns(Graph graph, String variable) {
    Stream.Builder<GraphOperation> found = Stream.builder();
    Iterator<GraphOperation> ops = graph.operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if (ASSIGNS.contains(op.type()) && op.input(0).op().name().equals(variable)) {
        found.add(op);
      }
    }
    return found.build();
  }
}
