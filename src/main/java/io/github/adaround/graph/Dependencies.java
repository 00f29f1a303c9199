package io.github.adaround.graph;

import io.github.adaround.tf.OpNames;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;

/** The ops that some tensors of a graph depend on, through data and control edges. */
public final class Dependencies {

  private Dependencies() {}

  /**
   * @param outputs tensors ({@code node:index}) or op names of {@code graph}
   */
  public static Set<GraphOperation> of(Graph graph, Collection<String> outputs) {
    Set<GraphOperation> seen = new HashSet<>();
    Deque<GraphOperation> pending = new ArrayDeque<>();
    for (String output : outputs) {
      pending.add(graph.operationOrThrow(OpNames.nodeOf(output)));
    }
    while (!pending.isEmpty()) {
      GraphOperation op = pending.pop();
      if (!seen.add(op)) {
        continue;
      }
      for (Operand<?> input : op.inputs()) {
        pending.add((GraphOperation) input.op());
      }
      pending.addAll(op.controlInputs());
    }
    return seen;
  }
}
