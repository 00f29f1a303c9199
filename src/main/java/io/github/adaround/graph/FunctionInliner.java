package io.github.adaround.graph;

import io.github.adaround.error.UserError;
import io.github.adaround.tf.OpNames;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Rewrites a graph whose ops sit inside functions (TF2 SavedModels: {@code StatefulPartitionedCall}
 * into {@code __inference_*} bodies, nested) into a flat graph with the same results, in which
 * every tensor can be fetched by a session, as TF's own {@code InlineFunctionBody} does at run
 * time.
 *
 * <p>A call node {@code c} of function {@code F} becomes:
 *
 * <ul>
 *   <li>for each input argument {@code a} of {@code F}, a node {@code c/a} = {@code Identity} of
 *       the call's input, after the call's control inputs;
 *   <li>each body node {@code n} renamed {@code c/n}; a body reference {@code n:out_arg:k} becomes
 *       {@code c/n:i}, where {@code i} counts the outputs of the op's earlier output arguments
 *       (from its {@code OpDef}: one each, {@code number_attr} many, or one per {@code
 *       type_list_attr} entry) plus {@code k};
 *   <li>a node named {@code c} = {@code IdentityN} of the values {@code F} returns, after its
 *       control outputs, so that {@code c:k} and {@code ^c} keep their meaning for the call's
 *       consumers.
 * </ul>
 *
 * Calls are inlined where the requested outputs depend on them, nested calls too; the result holds
 * only the nodes those outputs depend on, and the library, for ops that still name a function (such
 * as {@code While}).
 */
public final class FunctionInliner {

  private static final Set<String> CALL_OPS = Set.of("StatefulPartitionedCall", "PartitionedCall");

  private final FunctionLibrary library;
  private final Map<String, OpDef> opDefs = new HashMap<>();

  private FunctionInliner(GraphDef graph) {
    this.library = new FunctionLibrary(graph.getLibrary());
    for (OpDef op : TensorFlow.registeredOpList().getOpList()) {
      opDefs.put(op.getName(), op);
    }
  }

  /**
   * The flat graph that computes the nodes {@code outputs} of {@code graph}.
   *
   * @param outputs node names of {@code graph}
   * @throws UserError for a function this rewrite cannot inline (one with attribute placeholders or
   *     a list-typed argument)
   */
  public static GraphDef inline(GraphDef graph, Collection<String> outputs) {
    return new FunctionInliner(graph).run(graph, outputs);
  }

  private GraphDef run(GraphDef graph, Collection<String> outputs) {
    Map<String, NodeDef> nodes = new LinkedHashMap<>();
    graph.getNodeList().forEach(n -> nodes.put(n.getName(), n));
    Set<String> kept = new LinkedHashSet<>();
    Deque<String> pending = new ArrayDeque<>(outputs);
    while (!pending.isEmpty()) {
      String name = pending.pop();
      NodeDef node = nodes.get(name);
      if (node == null || kept.contains(name)) {
        continue;
      }
      String function = calledFunction(node);
      if (function != null) {
        inlineCall(node, library.get(function), nodes);
        pending.push(name);
        continue;
      }
      kept.add(name);
      node.getInputList().forEach(input -> pending.push(OpNames.nodeOf(input)));
    }
    GraphDef.Builder flat = GraphDef.newBuilder(graph).clearNode();
    for (NodeDef node : nodes.values()) {
      if (kept.contains(node.getName())) {
        flat.addNode(node);
      }
    }
    return flat.build();
  }

  /** The function that {@code node} calls and that this rewrite inlines, or null. */
  private String calledFunction(NodeDef node) {
    if (CALL_OPS.contains(node.getOp())) {
      return node.getAttrMap().get("f").getFunc().getName();
    }
    return library.contains(node.getOp()) ? node.getOp() : null;
  }

  private void inlineCall(NodeDef call, FunctionDef function, Map<String, NodeDef> nodes) {
    String prefix = call.getName() + "/";
    String name = function.getSignature().getName();
    List<String> dataInputs = new ArrayList<>();
    List<String> controlInputs = new ArrayList<>();
    for (String input : call.getInputList()) {
      (input.startsWith("^") ? controlInputs : dataInputs).add(input);
    }
    var arguments = function.getSignature().getInputArgList();
    if (arguments.size() != dataInputs.size()) {
      throw new UserError(
          "call '" + call.getName() + "' passes " + dataInputs.size() + " inputs to " + name);
    }
    Map<String, String> bodyOutputs = new HashMap<>();
    for (int i = 0; i < arguments.size(); i++) {
      OpDef.ArgDef argument = arguments.get(i);
      if (!argument.getNumberAttr().isEmpty() || !argument.getTypeListAttr().isEmpty()) {
        throw new UserError(
            "function " + name + " has a list-typed argument '" + argument.getName() + "'");
      }
      String node = prefix + argument.getName();
      nodes.put(
          node,
          NodeDef.newBuilder()
              .setName(node)
              .setOp("Identity")
              .addInput(dataInputs.get(i))
              .addAllInput(controlInputs)
              .putAttr("T", AttrValue.newBuilder().setType(argumentType(call, i, argument)).build())
              .build());
      bodyOutputs.put(argument.getName(), node);
    }
    Map<String, NodeDef> body = new HashMap<>();
    function.getNodeDefList().forEach(n -> body.put(n.getName(), n));
    for (NodeDef node : function.getNodeDefList()) {
      for (AttrValue value : node.getAttrMap().values()) {
        if (!value.getPlaceholder().isEmpty()) {
          throw new UserError(
              "function " + name + " has attribute placeholders (node " + node.getName() + ")");
        }
      }
      NodeDef.Builder renamed = node.toBuilder().setName(prefix + node.getName()).clearInput();
      for (String input : node.getInputList()) {
        renamed.addInput(reference(input, prefix, body, bodyOutputs));
      }
      nodes.put(renamed.getName(), renamed.build());
    }
    NodeDef.Builder results =
        NodeDef.newBuilder().setName(call.getName()).setOp("IdentityN").setDevice(call.getDevice());
    AttrValue.ListValue.Builder types = AttrValue.ListValue.newBuilder();
    for (OpDef.ArgDef output : function.getSignature().getOutputArgList()) {
      String value = function.getRetMap().get(output.getName());
      results.addInput(reference(value, prefix, body, bodyOutputs));
      types.addType(output.getType());
    }
    for (String control : function.getControlRetMap().values()) {
      results.addInput("^" + prefix + control);
    }
    if (types.getTypeCount() == 0) {
      results.setOp("NoOp");
    } else {
      results.putAttr("T", AttrValue.newBuilder().setList(types).build());
    }
    nodes.put(call.getName(), results.build());
  }

  private static DataType argumentType(NodeDef call, int index, OpDef.ArgDef argument) {
    AttrValue tin = call.getAttrMap().get("Tin");
    return tin != null && tin.getList().getTypeCount() > index
        ? tin.getList().getType(index)
        : argument.getType();
  }

  /** A body reference ({@code arg}, {@code n:out_arg:k}, {@code ^n}) in the flat graph. */
  private String reference(
      String input, String prefix, Map<String, NodeDef> body, Map<String, String> arguments) {
    if (input.startsWith("^")) {
      return "^" + prefix + input.substring(1);
    }
    String[] parts = input.split(":");
    if (parts.length == 1) {
      String argument = arguments.get(parts[0]);
      if (argument == null) {
        throw new UserError("a function body reads unknown value '" + input + "'");
      }
      return argument;
    }
    NodeDef node = body.get(parts[0]);
    if (node == null) {
      throw new UserError("a function body reads unknown node '" + input + "'");
    }
    int k = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
    return prefix + parts[0] + ":" + (outputOffset(node, parts[1]) + k);
  }

  /** How many outputs of {@code node} come before those of its output argument {@code arg}. */
  private int outputOffset(NodeDef node, String arg) {
    List<OpDef.ArgDef> outputs;
    if (library.contains(node.getOp())) {
      outputs = library.get(node.getOp()).getSignature().getOutputArgList();
    } else {
      OpDef op = opDefs.get(node.getOp());
      if (op == null) {
        throw new UserError("op " + node.getOp() + " is not known to TensorFlow");
      }
      outputs = op.getOutputArgList();
    }
    int offset = 0;
    for (OpDef.ArgDef output : outputs) {
      if (output.getName().equals(arg)) {
        return offset;
      }
      offset += count(node, output);
    }
    throw new UserError(
        "op " + node.getOp() + " has no output '" + arg + "' (node " + node.getName() + ")");
  }

  private int count(NodeDef node, OpDef.ArgDef output) {
    if (!output.getNumberAttr().isEmpty()) {
      return Math.toIntExact(attr(node, output.getNumberAttr()).getI());
    }
    if (!output.getTypeListAttr().isEmpty()) {
      return attr(node, output.getTypeListAttr()).getList().getTypeCount();
    }
    return 1;
  }

  private AttrValue attr(NodeDef node, String attr) {
    AttrValue value = node.getAttrMap().get(attr);
    if (value != null) {
      return value;
    }
    for (OpDef.AttrDef def : opDefs.get(node.getOp()).getAttrList()) {
      if (def.getName().equals(attr)) {
        return def.getDefaultValue();
      }
    }
    throw new UserError("node " + node.getName() + " has no attribute '" + attr + "'");
  }
}
