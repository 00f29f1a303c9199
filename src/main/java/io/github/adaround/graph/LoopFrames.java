package io.github.adaround.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operation;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * The layer ops inside while loops: in a TF1 frame (between an {@code Enter} and its {@code Exit},
 * through {@code Merge}, {@code Switch} and {@code NextIteration}), or in the body function of a
 * {@code While} or {@code StatelessWhile}. A layer there runs once per iteration on values that the
 * calibration samples do not give one by one, so it is reported and left as it is.
 */
final class LoopFrames {

  private static final Set<String> WHILE_OPS = Set.of("While", "StatelessWhile");

  private LoopFrames() {}

  /**
   * The ops of {@code graph} inside a TF1 while frame: reached from an {@code Enter}, not past its
   * {@code Exit}.
   */
  static Set<GraphOperation> inside(Graph graph) {
    Set<GraphOperation> inside = new HashSet<>();
    Deque<GraphOperation> pending = new ArrayDeque<>();
    graph
        .operations()
        .forEachRemaining(
            o -> {
              if (o.type().equals("Enter") || o.type().equals("RefEnter")) {
                pending.add((GraphOperation) o);
              }
            });
    while (!pending.isEmpty()) {
      GraphOperation op = pending.pop();
      if (!inside.add(op) || op.type().equals("Exit") || op.type().equals("RefExit")) {
        continue;
      }
      pending.addAll(op.consumers());
      pending.addAll(op.controlConsumers());
    }
    return inside;
  }

  /**
   * The layer ops (of {@code layerOps}) in the body functions of the {@code While} and {@code
   * StatelessWhile} ops among {@code needed}.
   */
  static List<NotQuantized> inBodies(
      Graph graph, Set<GraphOperation> needed, Set<String> layerOps) {
    List<NotQuantized> found = new ArrayList<>();
    List<String> loops = new ArrayList<>();
    for (Operation op : needed) {
      if (WHILE_OPS.contains(op.type())) {
        loops.add(op.name());
      }
    }
    if (loops.isEmpty()) {
      return found;
    }
    GraphDef def = graph.toGraphDef();
    FunctionLibrary library = new FunctionLibrary(def.getLibrary());
    for (NodeDef node : def.getNodeList()) {
      if (!loops.contains(node.getName()) || !node.getAttrMap().containsKey("body")) {
        continue;
      }
      String body = node.getAttrMap().get("body").getFunc().getName();
      if (!library.contains(body)) {
        continue;
      }
      FunctionDef function = library.get(body);
      for (NodeDef inner : function.getNodeDefList()) {
        if (layerOps.contains(inner.getOp())) {
          found.add(
              new NotQuantized(
                  node.getName() + "/" + inner.getName(),
                  inner.getOp(),
                  "inside a while loop (body function " + body + ")"));
        }
      }
    }
    return found;
  }
}
