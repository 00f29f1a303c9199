package io.github.adaround.activation;

import io.github.adaround.graph.GraphOrder;
import io.github.adaround.graph.QuantizableLayer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.proto.DataType;

/**
 * Finds the activation tensors of a flat graph as integer runtimes (TFLite, Qualcomm's HTP) lay
 * them out: on the path from the signature's inputs to its outputs, every float tensor is
 *
 * <ul>
 *   <li>inside a fused layer, and not quantized: a quantizable layer's product and what runtimes
 *       fold into it before its one quantized output ({@code BiasAdd}, an add or multiply by a
 *       constant, {@code FusedBatchNorm}, then {@code Relu} or {@code Relu6});
 *   <li>an alias ({@code Identity}, {@code Reshape}, {@code Squeeze}, {@code ExpandDims}), which
 *       keeps its input's encoding;
 *   <li>or quantized with an encoding of its own: the inputs, each fused layer's output, and the
 *       output of every other op ({@code Add}, {@code ConcatV2}, pooling, {@code Mean}, ...), after
 *       the {@code Relu} or {@code Relu6} that is its only reader, which runtimes fuse too.
 * </ul>
 */
final class ActivationTensorFinder {

  private static final Set<String> ALIASES =
      Set.of("Identity", "Reshape", "Squeeze", "ExpandDims", "Snapshot", "StopGradient");
  private static final Set<String> FUSED_NORMALIZATIONS =
      Set.of("BiasAdd", "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");
  private static final Set<String> FUSED_AFFINE = Set.of("Add", "AddV2", "Sub", "Mul");
  private static final Set<String> FUSED_ACTIVATIONS = Set.of("Relu", "Relu6");
  private static final Set<String> CONSTANTS =
      Set.of("Const", "VariableV2", "Variable", "VarHandleOp");
  private static final Set<String> READS = Set.of("Identity", "ReadVariableOp");

  private ActivationTensorFinder() {}

  /**
   * @param inputs the signature's input tensors, e.g. {@code input:0}
   * @param outputs the signature's output tensors
   * @param layers the graph's quantizable layers
   */
  public static ActivationTensors find(
      Graph graph, List<String> inputs, List<String> outputs, List<QuantizableLayer> layers) {
    Set<GraphOperation> inputOps = new HashSet<>();
    Set<String> path = new HashSet<>();
    for (String input : inputs) {
      GraphOperation inputOp = graph.operationOrThrow(nodeOf(input));
      inputOps.add(inputOp);
      path.addAll(forwardFrom(inputOp));
    }
    path.retainAll(backwardFrom(graph, outputs));
    inputOps.forEach(op -> path.add(op.name()));

    Set<String> interior = new HashSet<>();
    for (QuantizableLayer layer : layers) {
      if (path.contains(layer.name())) {
        interior.addAll(fusedInterior(graph.operationOrThrow(layer.name())));
      }
    }
    Set<String> outputSet = new HashSet<>();
    for (String output : outputs) {
      outputSet.add(withIndex(output));
    }

    List<String> quantized = new ArrayList<>();
    Map<String, String> aliases = new LinkedHashMap<>();
    for (GraphOperation op : GraphOrder.topological(graph)) {
      if (!path.contains(op.name())) {
        continue;
      }
      for (int i = 0; i < op.numOutputs(); i++) {
        Output<?> out = op.output(i);
        String name = tensorName(out);
        boolean used = outputSet.contains(name) || readOnPath(op, i, path);
        if (!used
            || out.dataType() != DataType.DT_FLOAT
            || interior.contains(name)
            || (!inputOps.contains(op) && feedsFusedActivation(out))) {
          continue;
        }
        if (ALIASES.contains(op.type()) && !inputOps.contains(op)) {
          String source = tensorName(op.input(0));
          String resolved = aliases.getOrDefault(source, source);
          if (quantized.contains(resolved)) {
            aliases.put(name, resolved);
            continue;
          }
        }
        quantized.add(name);
      }
    }
    return new ActivationTensors(quantized, aliases);
  }

  /**
   * The tensors between a layer's product and its quantized output: the chain of sole consumers
   * that runtimes fuse, up to and without its last tensor.
   */
  private static List<String> fusedInterior(GraphOperation layer) {
    List<String> chain = new ArrayList<>();
    Output<?> current = layer.output(0);
    boolean activated = false;
    while (!activated) {
      Set<GraphOperation> consumers = ((GraphOperation) current.op()).consumers(current.index());
      if (consumers.size() != 1) {
        break;
      }
      GraphOperation next = consumers.iterator().next();
      boolean fusible =
          FUSED_AFFINE.contains(next.type())
              ? otherIsConstant(next, current)
              : (FUSED_NORMALIZATIONS.contains(next.type())
                      || FUSED_ACTIVATIONS.contains(next.type()))
                  && next.input(0).equals(current);
      if (!fusible) {
        break;
      }
      chain.add(tensorName(current));
      activated = FUSED_ACTIVATIONS.contains(next.type());
      current = next.output(0);
    }
    return chain;
  }

  /** Whether the only reader of {@code value} is a ReLU, which runtimes fuse into its producer. */
  private static boolean feedsFusedActivation(Output<?> value) {
    Set<GraphOperation> consumers = ((GraphOperation) value.op()).consumers(value.index());
    return consumers.size() == 1 && FUSED_ACTIVATIONS.contains(consumers.iterator().next().type());
  }

  private static boolean otherIsConstant(GraphOperation op, Output<?> value) {
    Output<?> other = op.input(0).equals(value) ? op.input(1) : op.input(0);
    Operation source = other.op();
    while (READS.contains(source.type()) && ((GraphOperation) source).numInputs() > 0) {
      source = ((GraphOperation) source).input(0).op();
    }
    return CONSTANTS.contains(source.type());
  }

  private static boolean readOnPath(GraphOperation op, int output, Set<String> path) {
    for (GraphOperation consumer : op.consumers(output)) {
      if (path.contains(consumer.name())) {
        return true;
      }
    }
    return false;
  }

  private static Set<String> forwardFrom(GraphOperation start) {
    Set<String> seen = new HashSet<>();
    Deque<GraphOperation> todo = new ArrayDeque<>(List.of(start));
    while (!todo.isEmpty()) {
      GraphOperation op = todo.pop();
      for (int i = 0; i < op.numOutputs(); i++) {
        for (GraphOperation consumer : op.consumers(i)) {
          if (seen.add(consumer.name())) {
            todo.push(consumer);
          }
        }
      }
    }
    return seen;
  }

  private static Set<String> backwardFrom(Graph graph, List<String> outputs) {
    Set<String> seen = new HashSet<>();
    Deque<GraphOperation> todo = new ArrayDeque<>();
    for (String output : outputs) {
      GraphOperation op = graph.operationOrThrow(nodeOf(output));
      if (seen.add(op.name())) {
        todo.push(op);
      }
    }
    while (!todo.isEmpty()) {
      GraphOperation op = todo.pop();
      for (int i = 0; i < op.numInputs(); i++) {
        GraphOperation producer = (GraphOperation) op.input(i).op();
        if (seen.add(producer.name())) {
          todo.push(producer);
        }
      }
    }
    return seen;
  }

  static String tensorName(Output<?> output) {
    return output.op().name() + ":" + output.index();
  }

  private static String withIndex(String tensor) {
    return tensor.contains(":") ? tensor : tensor + ":0";
  }

  private static String nodeOf(String tensor) {
    int colon = tensor.indexOf(':');
    return colon < 0 ? tensor : tensor.substring(0, colon);
  }
}
