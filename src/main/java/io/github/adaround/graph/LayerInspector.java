package io.github.adaround.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;

/**
 * Finds the quantizable layers of a flat graph (TF-Java exports, TF1 SavedModels, TF2 SavedModels
 * with their functions inlined) that a signature's outputs depend on: each {@code Conv2D}, {@code
 * DepthwiseConv2dNative} and {@code MatMul} whose weight (second operand) is a float32 variable,
 * read directly or through {@code Identity}, {@code ReadVariableOp} or {@code Cast}. For each it
 * reports the bias added right after it ({@code BiasAdd}, or {@code Add}/{@code AddV2} of a 1-D
 * variable), an inference batch norm after that ({@link BatchNorm}) and the activation that then
 * follows, each when the only reader of what comes before is one. Layers come in topological graph
 * order; a weight that several layer ops read is reported once, at the first, with the others named
 * in {@link QuantizableLayer#alsoReadBy()}.
 */
public final class LayerInspector {
  /** Op types whose weights the quantizer rounds. */
  public static final Set<String> LAYER_OPS = Set.of("Conv2D", "DepthwiseConv2dNative", "MatMul");

  /** Op types reported as activations. */
  static final Set<String> ACTIVATIONS =
      Set.of("Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus");

  private static final Set<String> VARIABLES = Set.of("VariableV2", "Variable", "VarHandleOp");
  private static final Set<String> PASS_THROUGH = Set.of("Identity", "ReadVariableOp", "Cast");

  /**
   * What may stand between a 1-D bias variable and its add, keeping its values: Keras 3 reshapes
   * the bias to {@code [1, 1, 1, C]} and squeezes it back to {@code [C]}.
   */
  private static final Set<String> BIAS_PASS_THROUGH =
      Set.of("Identity", "ReadVariableOp", "Cast", "Reshape", "Squeeze");

  private static final Set<String> BIAS_ADDS = Set.of("BiasAdd", "Add", "AddV2");

  private LayerInspector() {}

  /**
   * The quantizable layers of {@code graph} that the tensors {@code outputs} depend on, in graph
   * order.
   */
  public static List<QuantizableLayer> inspect(Graph graph, Collection<String> outputs) {
    Set<GraphOperation> needed = Dependencies.of(graph, outputs);
    Map<String, QuantizableLayer> byWeight = new LinkedHashMap<>();
    Map<String, List<String>> readers = new HashMap<>();
    for (GraphOperation op : GraphOrder.topological(graph)) {
      if (!LAYER_OPS.contains(op.type()) || op.numInputs() < 2 || !needed.contains(op)) {
        continue;
      }
      Optional<GraphOperation> weight = variableBehind(op.input(1), PASS_THROUGH);
      if (weight.isEmpty()) {
        continue;
      }
      Output<?> result = op.output(0);
      String bias = null;
      Optional<GraphOperation> add = soleConsumer(result).filter(c -> BIAS_ADDS.contains(c.type()));
      if (add.isPresent()) {
        Output<?> other =
            add.get().input(0).equals(result) ? add.get().input(1) : add.get().input(0);
        Optional<GraphOperation> biasVariable =
            variableBehind(other, BIAS_PASS_THROUGH).filter(v -> variableShape(v).length == 1);
        if (biasVariable.isPresent()) {
          bias = biasVariable.get().name();
          result = add.get().output(0);
        }
      }
      Optional<BatchNorm> batchNorm = BatchNormFinder.after(result, soleConsumer(result));
      if (batchNorm.isPresent()) {
        result = outputNamed(graph, batchNorm.get().output());
      }
      Optional<GraphOperation> activation =
          soleConsumer(result).filter(c -> ACTIVATIONS.contains(c.type()));
      if (activation.isPresent()) {
        result = activation.get().output(0);
      }
      List<String> others = readers.computeIfAbsent(weight.get().name(), k -> new ArrayList<>());
      if (byWeight.containsKey(weight.get().name())) {
        others.add(op.name());
        continue;
      }
      byWeight.put(
          weight.get().name(),
          new QuantizableLayer(
              op.name(),
              op.type(),
              weight.get().name(),
              variableShape(weight.get()),
              bias,
              batchNorm.orElse(null),
              activation.map(GraphOperation::type).orElse(null),
              tensorName(op.input(0)),
              tensorName(result),
              others,
              activation.isPresent() ? List.of() : consumerTypes(result)));
    }
    List<QuantizableLayer> layers = new ArrayList<>();
    for (QuantizableLayer layer : byWeight.values()) {
      layers.add(layer.withAlsoReadBy(readers.get(layer.weight())));
    }
    return layers;
  }

  /** The sorted, distinct types of the ops that read {@code value}, through identities. */
  private static List<String> consumerTypes(Output<?> value) {
    Set<String> types = new java.util.TreeSet<>();
    Deque<Output<?>> pending = new ArrayDeque<>(List.of(value));
    while (!pending.isEmpty()) {
      Output<?> current = pending.pop();
      for (GraphOperation consumer : ((GraphOperation) current.op()).consumers(current.index())) {
        if (consumer.type().equals("Identity")) {
          pending.add(consumer.output(0));
        } else {
          types.add(consumer.type());
        }
      }
    }
    return List.copyOf(types);
  }

  private static String tensorName(Output<?> output) {
    return output.op().name() + ":" + output.index();
  }

  /** The variable whose value {@code value} is, through identities, if it is one. */
  private static Optional<GraphOperation> variableBehind(Output<?> value, Set<String> passThrough) {
    GraphOperation op = (GraphOperation) value.op();
    while (passThrough.contains(op.type()) && op.numInputs() >= 1) {
      op = (GraphOperation) op.input(0).op();
    }
    return VARIABLES.contains(op.type())
            && op.attributes().getAttrType("dtype") == DataType.DT_FLOAT
        ? Optional.of(op)
        : Optional.empty();
  }

  private static long[] variableShape(GraphOperation variable) {
    Shape shape = variable.attributes().getAttrShape("shape");
    return shape.isUnknown() ? new long[0] : shape.asArray();
  }

  private static Output<?> outputNamed(Graph graph, String tensor) {
    int colon = tensor.lastIndexOf(':');
    return graph
        .operationOrThrow(tensor.substring(0, colon))
        .output(Integer.parseInt(tensor.substring(colon + 1)));
  }

  /** The one op that reads {@code value}, skipping identities, if there is exactly one. */
  static Optional<GraphOperation> soleConsumer(Output<?> value) {
    Output<?> current = value;
    while (true) {
      Set<GraphOperation> consumers =
          current.op() instanceof GraphOperation g ? g.consumers(current.index()) : Set.of();
      if (consumers.size() != 1) {
        return Optional.empty();
      }
      GraphOperation consumer = consumers.iterator().next();
      if (!consumer.type().equals("Identity")) {
        return Optional.of(consumer);
      }
      current = consumer.output(0);
    }
  }
}
