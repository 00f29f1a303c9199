package io.github.adaround.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
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
 * DepthwiseConv2dNative}, {@code MatMul} and {@code Conv2DBackpropInput} (Conv2DTranspose) whose
 * weight (second operand; a Conv2DBackpropInput's filter) is a float32 variable, read directly or
 * through {@code Identity}, {@code ReadVariableOp} or {@code Cast}, and through shape ops ({@code
 * ExpandDims}, {@code Reshape}, {@code Squeeze}) as Keras' Conv1D and Tensordot and frozen graphs
 * of flat constants read it. Layer ops inside while loops are left out; {@link #notQuantized} lists
 * them with the other layer ops that are not quantized, and why. For each layer it reports the bias
 * added right after it (after a Conv1D's {@code Squeeze}): a {@code BiasAdd}, or an {@code
 * Add}/{@code AddV2} of a 1-D variable; an inference batch norm after that ({@link BatchNorm}) and
 * the activation that then follows, each when the only reader of what comes before is one. Layers
 * come in topological graph order; a weight that several layer ops read is reported once, at the
 * first, with the others named in {@link QuantizableLayer#alsoReadBy()}.
 */
public final class LayerInspector {
  /** Op types whose weights the quantizer rounds. */
  public static final Set<String> LAYER_OPS =
      Set.of("Conv2D", "DepthwiseConv2dNative", "MatMul", "Conv2DBackpropInput");

  /** Op types that multiply by a weight but are not quantized: listed as unsupported. */
  static final Set<String> UNSUPPORTED =
      Set.of(
          "Conv3D",
          "Conv3DBackpropInput",
          "Conv3DBackpropInputV2",
          "DepthwiseConv2dNativeBackpropInput",
          "BatchMatMul",
          "BatchMatMulV2",
          "BatchMatMulV3",
          "Conv");

  /** Op types reported as activations. */
  static final Set<String> ACTIVATIONS =
      Set.of("Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus");

  private static final Set<String> VARIABLES = Set.of("VariableV2", "Variable", "VarHandleOp");
  private static final Set<String> PASS_THROUGH = Set.of("Identity", "ReadVariableOp", "Cast");

  /** Ops that give a weight another shape, its values in the same row-major order. */
  private static final Set<String> SHAPE_OPS = Set.of("ExpandDims", "Reshape", "Squeeze");

  /**
   * The weight behind a layer op: its variable and the shape the op reads, or why there is none.
   */
  private record Weight(GraphOperation variable, long[] kernel, String problem) {}

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
    Set<GraphOperation> inLoops = LoopFrames.inside(graph);
    Map<String, QuantizableLayer> byWeight = new LinkedHashMap<>();
    Map<String, List<String>> readers = new HashMap<>();
    for (GraphOperation op : GraphOrder.topological(graph)) {
      if (!LAYER_OPS.contains(op.type())
          || op.numInputs() < 2
          || !needed.contains(op)
          || inLoops.contains(op)) {
        continue;
      }
      Weight found = weightOf(op);
      if (found.problem() != null) {
        continue;
      }
      Optional<GraphOperation> weight = Optional.of(found.variable());
      Output<?> result = squeezeAfter(op).map(s -> (Output<?>) s.output(0)).orElse(op.output(0));
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
              tensorName(op.input(op.type().equals("Conv2DBackpropInput") ? 2 : 0)),
              tensorName(result),
              others,
              activation.isPresent() ? List.of() : consumerTypes(result),
              found.kernel()));
    }
    List<QuantizableLayer> layers = new ArrayList<>();
    for (QuantizableLayer layer : byWeight.values()) {
      layers.add(layer.withAlsoReadBy(readers.get(layer.weight())));
    }
    return layers;
  }

  /**
   * The layer ops on the path of {@code outputs} that {@link #inspect} does not return, in graph
   * order, each with the reason: an unsupported op, inside a while loop (a TF1 frame or a {@code
   * While} body function), or a weight that is not a variable or constant.
   */
  public static List<NotQuantized> notQuantized(Graph graph, Collection<String> outputs) {
    Set<GraphOperation> needed = Dependencies.of(graph, outputs);
    Set<GraphOperation> inLoops = LoopFrames.inside(graph);
    List<NotQuantized> skipped = new ArrayList<>();
    for (GraphOperation op : GraphOrder.topological(graph)) {
      if (!needed.contains(op)) {
        continue;
      }
      String reason = null;
      if (UNSUPPORTED.contains(op.type())) {
        reason = inLoops.contains(op) ? "unsupported op, inside a while loop" : "unsupported op";
      } else if (LAYER_OPS.contains(op.type()) && op.numInputs() >= 2) {
        reason = inLoops.contains(op) ? "inside a while loop" : weightOf(op).problem();
      }
      if (reason != null) {
        skipped.add(new NotQuantized(op.name(), op.type(), reason));
      }
    }
    Set<String> layerOps = new HashSet<>(LAYER_OPS);
    layerOps.addAll(UNSUPPORTED);
    skipped.addAll(LoopFrames.inBodies(graph, needed, layerOps));
    return skipped;
  }

  /**
   * The {@code Squeeze} that is the only reader of a {@code Conv2D}'s output (Keras' Conv1D: {@code
   * ExpandDims -> Conv2D -> Squeeze}), if there is one: the layer's bias and activation come after
   * it.
   */
  public static Optional<GraphOperation> squeezeAfter(GraphOperation op) {
    if (!op.type().equals("Conv2D")) {
      return Optional.empty();
    }
    Set<GraphOperation> consumers = op.consumers(0);
    return consumers.size() == 1 && consumers.iterator().next().type().equals("Squeeze")
        ? Optional.of(consumers.iterator().next())
        : Optional.empty();
  }

  /**
   * The weight that the layer op reads as its second operand, through identities, casts and shape
   * ops; or the reason it is not a float variable (or constant) of known shape.
   */
  private static Weight weightOf(GraphOperation layer) {
    Output<?> operand = layer.input(1);
    GraphOperation op = (GraphOperation) operand.op();
    boolean reshaped = false;
    while ((PASS_THROUGH.contains(op.type()) || SHAPE_OPS.contains(op.type()))
        && op.numInputs() >= 1) {
      reshaped |= SHAPE_OPS.contains(op.type());
      op = (GraphOperation) op.input(0).op();
    }
    if (!VARIABLES.contains(op.type())
        || op.attributes().getAttrType("dtype") != DataType.DT_FLOAT) {
      return new Weight(
          null,
          null,
          "weight is not a float variable or a frozen graph's constant (it comes from "
              + op.type()
              + ")");
    }
    if (layer.type().equals("Conv2DBackpropInput")) {
      Shape out = layer.output(0).shape();
      if (out.isUnknown() || out.numDimensions() != 4 || out.tail().hasUnknownDimension()) {
        return new Weight(null, null, "its output shape is not known in the graph");
      }
    }
    long[] shape = variableShape(op);
    if (!reshaped) {
      return new Weight(op, shape, null);
    }
    Shape kernel = operand.shape();
    if (kernel.isUnknown()
        || kernel.hasUnknownDimension()
        || kernel.size() != Shape.of(shape).size()) {
      return new Weight(
          null, null, "weight '" + op.name() + "' is read through shape ops of unknown shape");
    }
    return new Weight(op, kernel.asArray(), null);
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
