package io.github.adaround.source;

import io.github.adaround.tf.OpNames;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Session;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;

/**
 * Makes the weights of a frozen graph writable: each float {@code Const} of rank one or more
 * becomes a {@code VariableV2} of the same name, shape and device, with an {@code Assign} of the
 * constant's value (kept under {@link #SCOPE}) that {@link #initialize} runs once. Every op that
 * read the constant reads the variable, whose value it is until the engine writes it.
 */
final class FrozenWeights {

  /** Where the constants' values and their assigns go. */
  static final String SCOPE = "adaround_frozen";

  private FrozenWeights() {}

  /**
   * {@code graph} with its float constants of rank one or more turned into variables; not those
   * that only assigns read (the initial values of a SavedModel's variables).
   */
  static GraphDef asVariables(GraphDef graph) {
    GraphDef.Builder out = GraphDef.newBuilder(graph).clearNode();
    Set<String> names = new HashSet<>();
    Set<String> read = new HashSet<>();
    for (NodeDef node : graph.getNodeList()) {
      names.add(node.getName());
      if (!node.getOp().equals("Assign")) {
        node.getInputList().forEach(i -> read.add(OpNames.nodeOf(i)));
      }
    }
    for (NodeDef node : graph.getNodeList()) {
      if (!isWeight(node) || !read.contains(node.getName())) {
        out.addNode(node);
        continue;
      }
      TensorProto value = node.getAttrOrThrow("value").getTensor();
      String valueName = unique(SCOPE + "/" + node.getName() + "/value", names);
      out.addNode(
          NodeDef.newBuilder()
              .setName(node.getName())
              .setOp("VariableV2")
              .setDevice(node.getDevice())
              .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
              .putAttr("shape", AttrValue.newBuilder().setShape(value.getTensorShape()).build()));
      out.addNode(node.toBuilder().setName(valueName).clearInput());
      out.addNode(
          NodeDef.newBuilder()
              .setName(unique(SCOPE + "/" + node.getName() + "/assign", names))
              .setOp("Assign")
              .setDevice(node.getDevice())
              .addInput(node.getName())
              .addInput(valueName)
              .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build()));
    }
    return out.build();
  }

  /** Runs every assign that {@link #asVariables} added to the imported graph. */
  static void initialize(Graph graph, Session session) {
    Session.Runner runner = session.runner();
    boolean any = false;
    Iterator<GraphOperation> ops = graph.operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if (op.type().equals("Assign") && op.name().startsWith(SCOPE + "/")) {
        runner.addTarget(op);
        any = true;
      }
    }
    if (any) {
      runner.run().close();
    }
  }

  /**
   * Whether {@code node} is a float constant of rank one or more without inputs: a constant inside
   * a TF1 while loop has a control input from its frame and stays a constant (a variable would sit
   * outside the frame).
   */
  private static boolean isWeight(NodeDef node) {
    if (!node.getOp().equals("Const")
        || node.getInputCount() > 0
        || node.getAttrOrThrow("dtype").getType() != DataType.DT_FLOAT) {
      return false;
    }
    return node.getAttrOrThrow("value").getTensor().getTensorShape().getDimCount() >= 1;
  }

  private static String unique(String base, Set<String> names) {
    String name = base;
    for (int i = 1; names.contains(name); i++) {
      name = base + "_" + i;
    }
    names.add(name);
    return name;
  }
}
