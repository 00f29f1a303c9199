package io.github.adaround.block;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Copies the part of a model's flat graph that computes some tensors from others into another
 * graph: the training graph of a block (or layer) reconstruction, which runs the model's own ops,
 * whatever they are, with each quantized weight replaced by its AdaRound operand.
 *
 * <p>Walking back from the outputs, every op is copied under a prefix, its type and every attribute
 * as the model's {@code NodeDef} has them (but the colocation attribute {@code _class}, which names
 * the model's ops, and the device, which is cleared), until the walk reaches an input tensor (fed
 * the given operand) or a weight to replace (given its operand). Constants are copied with their
 * values; every other variable ({@code VariableV2}, or a resource variable's {@code
 * ReadVariableOp}: biases, batch-norm parameters) becomes its current value, fetched from the
 * model's session in one run per copy, as a constant behind a {@code PlaceholderWithDefault} (TF
 * treats it as the variable it was: a bare constant would be folded by Grappler, and oneDNN runs
 * another kernel for a constant MatMul weight), so that the copy does not depend on that session.
 * Control inputs are dropped: nothing in the copy is stateful. Stateful ops other than variable
 * reads, and placeholders that are not inputs, cannot be copied and are refused.
 *
 * <p>Weights are named as {@link io.github.adaround.graph.QuantizableLayer#weight()} names them
 * (the variable op, or the resource variable's {@code VarHandleOp}) or by the tensor the weight is
 * read as ({@code op:k}).
 */
public final class SubgraphCopy {
  private static final Set<String> VARIABLES = Set.of("VariableV2", "Variable");
  private static final Set<String> PLACEHOLDERS = Set.of("Placeholder", "PlaceholderV2");

  private final Graph model;
  private final Session session;
  private final Map<String, NodeDef> nodes = new HashMap<>();
  private final Map<String, OpDef> opDefs = new HashMap<>();

  /**
   * @param model the model's flat graph, as a {@link io.github.adaround.source.ModelSource}
   *     presents it
   * @param session the session holding the model's variables
   */
  public SubgraphCopy(Graph model, Session session) {
    this.model = model;
    this.session = session;
    GraphDef def = model.toGraphDef();
    for (NodeDef node : def.getNodeList()) {
      nodes.put(node.getName(), node);
    }
    for (OpDef op : TensorFlow.registeredOpList().getOpList()) {
      opDefs.put(op.getName(), op);
    }
  }

  /**
   * Copies the ops that compute {@code output} from {@code inputs} into the graph of {@code tf}.
   *
   * @param tf where to build: the ops are named {@code SCOPE/copy/NAME} (a fresh name per call)
   * @param inputs the operands of the target graph fed for tensors of the model ({@code op:k})
   * @param output the tensor of the model to compute ({@code op:k})
   * @param weights the operands of the target graph that replace weights, by the weight's name
   * @return the copy of {@code output}
   * @throws IllegalArgumentException for an op that cannot be copied (a placeholder that is not an
   *     input, a stateful op other than a variable read), naming it
   */
  public Output<?> copy(
      Ops tf,
      Map<String, ? extends Operand<?>> inputs,
      String output,
      Map<String, ? extends Operand<TFloat32>> weights) {
    return copy(tf, inputs, List.of(output), weights).get(0);
  }

  /** As {@link #copy(Ops, Map, String, Map)}, for several outputs that share the copied ops. */
  public List<Output<?>> copy(
      Ops tf,
      Map<String, ? extends Operand<?>> inputs,
      List<String> outputs,
      Map<String, ? extends Operand<TFloat32>> weights) {
    if (!(tf.scope().env() instanceof Graph target)) {
      throw new IllegalArgumentException("a subgraph is copied into a Graph");
    }
    String base = tf.scope().makeOpName("copy");
    Map<String, Output<?>> copied = new HashMap<>();
    inputs.forEach((tensor, operand) -> copied.put(canonical(tensor), operand.asOutput()));
    Map<String, Output<?>> replaced = new HashMap<>();
    weights.forEach((name, operand) -> replaced.put(name, operand.asOutput()));
    List<GraphOperation> order = plan(outputs, copied.keySet(), replaced);
    Map<String, AttrValue> values = fetch(order, replaced);
    for (GraphOperation op : order) {
      for (int k = 0; k < op.numOutputs(); k++) {
        Output<?> replacement = replacementOf(op, k, replaced);
        if (replacement != null) {
          copied.put(op.name() + ":" + k, replacement);
        }
      }
      if (replacementOf(op, 0, replaced) != null) {
        continue;
      }
      GraphOperation made =
          values.containsKey(op.name())
              ? constant(target, tf, base + "/" + op.name(), values.get(op.name()))
              : build(target, tf, base + "/" + op.name(), nodes.get(op.name()), copied);
      for (int k = 0; k < made.numOutputs(); k++) {
        copied.putIfAbsent(op.name() + ":" + k, made.output(k));
      }
    }
    List<Output<?>> results = new ArrayList<>();
    for (String output : outputs) {
      results.add(copied.get(canonical(output)));
    }
    return results;
  }

  /**
   * The ops to build, in an order where each comes after the ops it reads: the outputs' producers
   * and, back from them, every op until an input, a replaced weight, a variable or a constant.
   */
  private List<GraphOperation> plan(
      List<String> outputs, Set<String> fed, Map<String, Output<?>> replaced) {
    Set<GraphOperation> visited = new LinkedHashSet<>();
    List<GraphOperation> order = new ArrayList<>();
    Deque<Object[]> stack = new ArrayDeque<>();
    for (String output : outputs) {
      if (!fed.contains(canonical(output))) {
        stack.push(new Object[] {model.outputOrThrow(output).op(), false});
      }
    }
    while (!stack.isEmpty()) {
      Object[] top = stack.pop();
      GraphOperation op = (GraphOperation) top[0];
      if ((boolean) top[1]) {
        order.add(op);
        continue;
      }
      if (!visited.add(op)) {
        continue;
      }
      stack.push(new Object[] {op, true});
      if (leaf(op, replaced)) {
        continue;
      }
      for (Operand<?> input : op.inputs()) {
        String tensor = CutTensors.name(input.asOutput());
        if (!fed.contains(tensor) && !visited.contains((GraphOperation) input.op())) {
          stack.push(new Object[] {input.op(), false});
        }
      }
    }
    return order;
  }

  /** Whether {@code op} is copied without its inputs; refuses ops that cannot be copied. */
  private boolean leaf(GraphOperation op, Map<String, Output<?>> replaced) {
    if (replacementOf(op, 0, replaced) != null
        || VARIABLES.contains(op.type())
        || op.type().equals("ReadVariableOp")) {
      return true;
    }
    if (PLACEHOLDERS.contains(op.type())) {
      throw new IllegalArgumentException(
          "cannot copy placeholder '" + op.name() + "': it is not among the inputs");
    }
    OpDef def = opDefs.get(op.type());
    if (def == null || def.getIsStateful()) {
      throw new IllegalArgumentException(
          "cannot copy op '"
              + op.name()
              + "' ("
              + op.type()
              + "): "
              + (def == null
                  ? "unknown op"
                  : "stateful ops other than variable reads are not copied"));
    }
    return false;
  }

  /** The operand replacing output {@code k} of {@code op}, or null. */
  private Output<?> replacementOf(GraphOperation op, int k, Map<String, Output<?>> replaced) {
    Output<?> byTensor = replaced.get(op.name() + ":" + k);
    if (byTensor != null || k != 0) {
      return byTensor;
    }
    if (VARIABLES.contains(op.type())) {
      return replaced.get(op.name());
    }
    if (op.type().equals("ReadVariableOp")) {
      return replaced.get(handleOf(op).name());
    }
    return null;
  }

  /** The {@code VarHandleOp} a {@code ReadVariableOp} reads, through identities. */
  private static GraphOperation handleOf(GraphOperation read) {
    GraphOperation op = (GraphOperation) read.input(0).op();
    while (op.type().equals("Identity") && op.numInputs() == 1) {
      op = (GraphOperation) op.input(0).op();
    }
    return op;
  }

  /** Fetches, in one run, the values of the variables in {@code order} that are not replaced. */
  private Map<String, AttrValue> fetch(
      List<GraphOperation> order, Map<String, Output<?>> replaced) {
    Map<String, AttrValue> values = new HashMap<>();
    List<GraphOperation> missing = new ArrayList<>();
    for (GraphOperation op : order) {
      if ((VARIABLES.contains(op.type()) || op.type().equals("ReadVariableOp"))
          && replacementOf(op, 0, replaced) == null) {
        missing.add(op);
      }
    }
    if (missing.isEmpty()) {
      return values;
    }
    Session.Runner runner = session.runner();
    missing.forEach(op -> runner.fetch(op.output(0)));
    try (Result result = runner.run()) {
      for (int i = 0; i < missing.size(); i++) {
        values.put(missing.get(i).name(), valueOf(result.get(i)));
      }
    }
    return values;
  }

  /**
   * The value of {@code tensor} as a constant's attribute: its bytes copied out at once (a fetched
   * {@code VariableV2} aliases the live variable).
   */
  private static AttrValue valueOf(Tensor tensor) {
    try (Graph scratch = new Graph()) {
      Ops.create(scratch).withName("value").constantOf((TType) tensor);
      return scratch.toGraphDef().getNode(0).getAttrOrThrow("value");
    }
  }

  /**
   * A variable's value as the copy reads it: a constant behind a {@code PlaceholderWithDefault}, so
   * that, as in the model, TF sees a value that may change. A bare constant would be folded by
   * Grappler into the ops that read it, and oneDNN takes another kernel for a constant weight: a
   * MatMul by a constant differs from the model's by about 1e-6.
   */
  private static GraphOperation constant(Graph target, Ops tf, String name, AttrValue value) {
    GraphOperationBuilder builder = target.opBuilder("Const", name + "/value", tf.scope());
    builder.setAttr("value", value);
    builder.setAttr("dtype", value.getTensor().getDtype());
    GraphOperation constant = builder.build();
    GraphOperationBuilder read =
        target.opBuilder("PlaceholderWithDefault", name, tf.scope()).addInput(constant.output(0));
    read.setAttr("dtype", value.getTensor().getDtype());
    read.setAttr("shape", constant.output(0).shape());
    return read.build();
  }

  /** Builds the copy of {@code node}, its inputs taken from {@code copied}. */
  private GraphOperation build(
      Graph target, Ops tf, String name, NodeDef node, Map<String, Output<?>> copied) {
    GraphOperationBuilder builder = target.opBuilder(node.getOp(), name, tf.scope());
    List<Output<?>> inputs = new ArrayList<>();
    for (String input : node.getInputList()) {
      if (input.startsWith("^")) {
        continue;
      }
      Output<?> value = copied.get(canonical(input));
      if (value == null) {
        throw new IllegalStateException("input " + input + " of " + node.getName() + " not copied");
      }
      inputs.add(value);
    }
    int next = 0;
    for (OpDef.ArgDef arg : opDefs.get(node.getOp()).getInputArgList()) {
      if (!arg.getNumberAttr().isEmpty() || !arg.getTypeListAttr().isEmpty()) {
        int n = listLength(node, arg);
        builder.addInputList(inputs.subList(next, next + n).toArray(new Output<?>[0]));
        next += n;
      } else {
        builder.addInput(inputs.get(next++));
      }
    }
    for (Map.Entry<String, AttrValue> attr : new LinkedHashMap<>(node.getAttrMap()).entrySet()) {
      if (!attr.getKey().equals("_class")) {
        builder.setAttr(attr.getKey(), attr.getValue());
      }
    }
    return builder.build();
  }

  private static int listLength(NodeDef node, OpDef.ArgDef arg) {
    if (!arg.getNumberAttr().isEmpty()) {
      return Math.toIntExact(node.getAttrOrThrow(arg.getNumberAttr()).getI());
    }
    return node.getAttrOrThrow(arg.getTypeListAttr()).getList().getTypeCount();
  }

  /** {@code op:k} for a graph input reference {@code op} or {@code op:k}. */
  private static String canonical(String tensor) {
    return tensor.indexOf(':') < 0 ? tensor + ":0" : tensor;
  }
}
