package io.github.adaround.source;

import com.google.protobuf.ByteString;
import io.github.adaround.data.InputSamples;
import io.github.adaround.error.UserError;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.types.TFloat32;

/**
 * A frozen {@code GraphDef} (a {@code .pb} whose weights are {@code Const} nodes, read through
 * {@code .../read} {@code Identity} nodes: TF-Slim, object-detection and most TF1 exports), fed at
 * a named tensor and read at named outputs, as the TFLite converter's input and output arrays.
 *
 * <p>The calibration graph is the file's graph with each float {@code Const} of rank one or more
 * turned into a {@code VariableV2} of the same name, assigned the constant's value once: the same
 * values through the same ops, now writable ({@link FrozenWeights}). The export is the file's
 * {@code GraphDef} with the values of the written constants replaced and nothing else changed,
 * under the input's file name.
 */
final class FrozenGraph extends AbstractModelSource {

  private final GraphDef original;
  private final GraphWriter writer;
  private final Map<String, float[]> written = new HashMap<>();
  private final Set<String> folded = new HashSet<>();

  /** Writes the exported graph, with the session that holds its variables, into a folder. */
  @FunctionalInterface
  interface GraphWriter {
    void write(Path dir, GraphDef exported, Session session) throws IOException;
  }

  private FrozenGraph(
      GraphDef original,
      GraphWriter writer,
      Graph graph,
      Session session,
      ChosenSignature signature) {
    super(graph, session, signature);
    this.original = original;
    this.writer = writer;
  }

  /**
   * Loads {@code original} with its weights writable.
   *
   * @param inputs the fed tensors, each {@code name} or {@code name:k}; empty for the graph's one
   *     float placeholder
   * @param outputs the tensors read, each {@code name} or {@code name:k}; empty for the graph's one
   *     float output that nothing reads
   * @param sampleShape the shape of one sample, for the dimensions that the graph leaves unknown
   *     (the calibration file's), or null; used with one input only
   * @throws UserError when a named node is missing, the graph does not import, an input's rank is
   *     not known, or inputs or outputs are not given and the graph has not exactly one candidate
   */
  static FrozenGraph open(
      Path file, GraphDef original, List<String> inputs, List<String> outputs, long[] sampleShape) {
    GraphWriter toFile =
        (dir, exported, session) -> {
          Files.createDirectories(dir);
          Files.write(dir.resolve(file.getFileName().toString()), exported.toByteArray());
        };
    return open(original, toFile, inputs, outputs, sampleShape);
  }

  /** As {@link #open(Path, GraphDef, List, List, long[])}, exported by {@code writer}. */
  static FrozenGraph open(
      GraphDef original,
      GraphWriter writer,
      List<String> inputs,
      List<String> outputs,
      long[] sampleShape) {
    Graph graph = new Graph();
    try {
      graph.importGraphDef(Placement.withoutDevices(FrozenWeights.asVariables(original)));
    } catch (RuntimeException e) {
      graph.close();
      throw new UserError("the graph does not import into TensorFlow", e);
    }
    Session session = Placement.session(graph);
    try {
      GraphEnds ends = GraphEnds.of(graph);
      List<String> ins = ends.inputs(inputs);
      List<String> outs = ends.outputs(outputs).stream().map(FrozenGraph::withIndex).toList();
      for (String tensor : outs) {
        requireNode(graph, tensor);
      }
      List<ModelInput> fed = new ArrayList<>();
      for (String input : ins) {
        String in = withIndex(input);
        long[] fill = ins.size() == 1 ? sampleShape : null;
        fed.add(new ModelInput(input, in, inputShape(requireNode(graph, in), in, fill)));
      }
      FrozenWeights.initialize(graph, session);
      return new FrozenGraph(original, writer, graph, session, new ChosenSignature(fed, outs));
    } catch (RuntimeException e) {
      session.close();
      graph.close();
      throw e;
    }
  }

  /**
   * Every placeholder that the outputs depend on (through data and control edges, up to the fed
   * tensors) is fed: a TF1 dropout's {@code keep_prob}, say, would otherwise stop the run in the
   * middle, at the first layer that needs it.
   *
   * @throws UserError naming the placeholder and how it could be fed
   */
  private static void requireNoOtherPlaceholder(
      Graph graph, List<ModelInput> inputs, List<String> outputs) {
    Set<String> fed = new HashSet<>();
    inputs.forEach(i -> fed.add(i.tensor().substring(0, i.tensor().lastIndexOf(':'))));
    Set<GraphOperation> seen = new HashSet<>();
    Deque<GraphOperation> pending = new ArrayDeque<>();
    for (String out : outputs) {
      pending.add(graph.operationOrThrow(out.substring(0, out.lastIndexOf(':'))));
    }
    while (!pending.isEmpty()) {
      GraphOperation op = pending.pop();
      if (fed.contains(op.name()) || !seen.add(op)) {
        continue;
      }
      if (op.type().equals("Placeholder")) {
        throw new UserError(
            "the outputs need placeholder '"
                + op.name()
                + "', which is not among the inputs ("
                + String.join(", ", inputs.stream().map(ModelInput::key).toList())
                + "); a graph that needs a value fed besides its samples (a dropout's keep_prob)"
                + " is not supported");
      }
      for (Operand<?> input : op.inputs()) {
        pending.add((GraphOperation) input.op());
      }
      pending.addAll(op.controlInputs());
    }
  }

  private static GraphOperation requireNode(Graph graph, String tensor) {
    String node = tensor.substring(0, tensor.lastIndexOf(':'));
    GraphOperation op = graph.operation(node);
    if (op == null) {
      throw new UserError("the graph has no node '" + node + "'");
    }
    String index = tensor.substring(tensor.lastIndexOf(':') + 1);
    if (!index.matches("[0-9]{1,9}") || Integer.parseInt(index) >= op.numOutputs()) {
      throw new UserError(
          "node '"
              + node
              + "' has "
              + op.numOutputs()
              + (op.numOutputs() == 1 ? " output" : " outputs")
              + ", so "
              + tensor
              + " names none (NAME:K counts from 0)");
    }
    return op;
  }

  /**
   * The fed tensor's shape as the graph infers it, dimensions it leaves unknown taken from {@code
   * sampleShape} when given (else left {@code -1}); of a tensor of unknown rank, {@code [-1,
   * ...sampleShape]}, or unknown without a sample shape. A placeholder keeps its batch axis; any
   * other tensor fed in place of what the graph computes (such as features after a front end) takes
   * any batch size.
   */
  private static Shape inputShape(GraphOperation op, String tensor, long[] sampleShape) {
    int index = Integer.parseInt(tensor.substring(tensor.lastIndexOf(':') + 1));
    Shape known = op.output(index).shape();
    if (known.isUnknown() && sampleShape != null) {
      return Shape.of(-1).append(Shape.of(sampleShape));
    }
    if (known.isUnknown()) {
      return Shape.unknown();
    }
    if (known.numDimensions() < 1) {
      throw new UserError("input " + tensor + " is a scalar, not a batch of samples");
    }
    long[] dims = known.asArray();
    if (!op.type().equals("Placeholder")) {
      dims[0] = -1;
    }
    boolean fill = sampleShape != null && sampleShape.length == dims.length - 1;
    for (int i = 1; i < dims.length; i++) {
      if (dims[i] < 0 && fill) {
        dims[i] = sampleShape[i - 1];
      }
    }
    return Shape.of(dims);
  }

  private static String withIndex(String tensor) {
    return tensor.contains(":") ? tensor : tensor + ":0";
  }

  @Override
  public float[] read(String weight) {
    return fetchFloats(weight);
  }

  @Override
  public void write(String weight, Shape shape, float[] value) {
    try (TFloat32 t = TensorData.floats(shape, value)) {
      VariableWriter.write(session(), graph(), weight, t);
    }
    written.put(weight, value.clone());
  }

  /**
   * Checks that the outputs need no placeholder but the inputs; the values need no check: the
   * variables hold the constants' values and feed the same ops.
   *
   * @throws UserError naming a placeholder the outputs need that is not fed
   */
  @Override
  public void verify(InputSamples samples) {
    requireNoOtherPlaceholder(graph(), inputs(), outputTensors());
  }

  @Override
  public void foldedAway(String op) {
    folded.add(op);
  }

  /**
   * Writes {@code dir/FILE.pb} (or the SavedModel of its writer): the input's graph with the
   * written constants' new values, and each folded batch norm replaced by an {@code Identity} of
   * its input under the same name.
   */
  @Override
  public void export(Path dir) throws IOException {
    GraphDef.Builder out = original.toBuilder();
    for (int i = 0; i < out.getNodeCount(); i++) {
      NodeDef node = out.getNode(i);
      float[] value = written.get(node.getName());
      if (value != null && node.getOp().equals("Const")) {
        out.setNode(i, withValue(node, value));
      } else if (folded.contains(node.getName())) {
        out.setNode(
            i,
            NodeDef.newBuilder()
                .setName(node.getName())
                .setOp("Identity")
                .setDevice(node.getDevice())
                .addInput(node.getInput(0))
                .putAttr("T", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
                .build());
      }
    }
    writer.write(dir, out.build(), session());
  }

  /** The {@code Const} node with its tensor's values replaced, its shape and dtype kept. */
  private static NodeDef withValue(NodeDef node, float[] value) {
    TensorProto old = node.getAttrOrThrow("value").getTensor();
    ByteBuffer bytes = ByteBuffer.allocate(4 * value.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(value);
    TensorProto tensor =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(old.getTensorShape())
            .setTensorContent(ByteString.copyFrom(bytes.array()))
            .build();
    return node.toBuilder()
        .putAttr("value", AttrValue.newBuilder().setTensor(tensor).build())
        .build();
  }

  @Override
  public Optional<SavedModelBundle> rewritableBundle() {
    return Optional.empty();
  }

  @Override
  public void close() {
    session().close();
    graph().close();
  }
}
