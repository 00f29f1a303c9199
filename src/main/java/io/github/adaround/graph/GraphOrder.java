package io.github.adaround.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;

/**
 * The operations of a graph in topological order: every op after the ops it reads (data and control
 * inputs). Among ops that are ready together, the one listed first in the graph comes first, so a
 * graph built layer by layer keeps its layer order. Ops on cycles (loops) come last, in the graph's
 * listing order.
 */
public final class GraphOrder {
  private GraphOrder() {}

  /** Sorts the operations of {@code graph}. */
  public static List<GraphOperation> topological(Graph graph) {
    List<GraphOperation> listed = new ArrayList<>();
    Iterator<GraphOperation> it = graph.operations();
    it.forEachRemaining(listed::add);
    Map<GraphOperation, Integer> index = new HashMap<>();
    for (int i = 0; i < listed.size(); i++) {
      index.put(listed.get(i), i);
    }
    Map<GraphOperation, Integer> pending = new HashMap<>();
    Map<GraphOperation, List<GraphOperation>> successors = new HashMap<>();
    for (GraphOperation op : listed) {
      Set<GraphOperation> predecessors = new HashSet<>(op.controlInputs());
      for (Operand<?> input : op.inputs()) {
        predecessors.add((GraphOperation) input.op());
      }
      pending.put(op, predecessors.size());
      for (GraphOperation p : predecessors) {
        successors.computeIfAbsent(p, k -> new ArrayList<>()).add(op);
      }
    }
    PriorityQueue<GraphOperation> ready =
        new PriorityQueue<>((a, b) -> Integer.compare(index.get(a), index.get(b)));
    listed.stream().filter(op -> pending.get(op) == 0).forEach(ready::add);
    List<GraphOperation> sorted = new ArrayList<>(listed.size());
    Set<GraphOperation> done = new HashSet<>();
    while (!ready.isEmpty()) {
      GraphOperation op = ready.poll();
      sorted.add(op);
      done.add(op);
      for (GraphOperation next : successors.getOrDefault(op, List.of())) {
        if (pending.merge(next, -1, Integer::sum) == 0) {
          ready.add(next);
        }
      }
    }
    listed.stream().filter(op -> !done.contains(op)).forEach(sorted::add);
    return sorted;
  }
}
