package io.github.adaround.source;

import io.github.adaround.error.ModelException;
import io.github.adaround.error.UserError;
import io.github.adaround.graph.Dependencies;
import io.github.adaround.graph.FunctionLibrary;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.guard.OpSafety;
import io.github.adaround.tf.OpNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;

/** Opens a model folder as the {@link ModelSource} of its format. */
public final class ModelSources {

  /** The error of a model in which no op could be a quantizable layer. */
  public static final String NO_LAYERS =
      "no quantizable layers (Conv2D, DepthwiseConv2dNative or MatMul on a variable)";

  private ModelSources() {}

  /**
   * Opens the SavedModel in {@code dir} for its signature {@code signature}, after {@link
   * io.github.adaround.guard.OpSafety}: a TF2 SavedModel when the signature calls functions, else a
   * flat one.
   *
   * @throws ModelException when the folder is no loadable, safe SavedModel, holds no layer op at
   *     all (checked before the signature), has no such signature or its functions cannot be
   *     inlined
   */
  public static ModelSource open(Path dir, String signature, Set<String> allowedOps)
      throws ModelException {
    return open(dir, SavedModels.SERVE, signature, allowedOps);
  }

  /**
   * As {@link #open(Path, String, Set)} for the meta graph of tag {@code tag}; one without
   * signatures is opened as {@link #openUnsigned} opens it, at its one float placeholder and its
   * one float output that nothing reads.
   *
   * @throws ModelException also when there is no meta graph of that tag (the message lists the tags
   *     there are)
   */
  public static ModelSource open(Path dir, String tag, String signature, Set<String> allowedOps)
      throws ModelException {
    if (Files.isDirectory(dir) && OpSafety.taggedGraph(dir, tag).getSignatureDefCount() == 0) {
      return openUnsigned(dir, tag, List.of(), List.of(), null, allowedOps);
    }
    SavedModelBundle bundle = SavedModels.load(dir, tag, allowedOps);
    ModelSource source;
    try {
      if (!holdsLayerOps(bundle.metaGraphDef().getGraphDef())) {
        throw new ModelException(dir, NO_LAYERS);
      }
      ChosenSignature chosen = ChosenSignature.of(bundle.metaGraphDef(), signature);
      GraphDef graph = bundle.metaGraphDef().getGraphDef();
      source =
          callsFunctions(graph, chosen)
              ? FunctionSavedModel.open(dir, bundle, signature)
              : new FlatSavedModel(dir, bundle, signature);
    } catch (RuntimeException e) {
      bundle.close();
      throw named(dir, e);
    }
    String unfed = unfedPlaceholder(source);
    if (unfed != null) {
      source.close();
      throw new ModelException(
          dir,
          "signature '"
              + signature
              + "' computes its outputs from placeholder '"
              + unfed
              + "', which it does not take as input");
    }
    return source;
  }

  /** A placeholder other than the signature's inputs that its outputs depend on, or null. */
  private static String unfedPlaceholder(ModelSource source) {
    Set<String> inputs =
        source.inputs().stream().map(i -> OpNames.nodeOf(i.tensor())).collect(Collectors.toSet());
    return Dependencies.of(source.graph(), source.outputTensors()).stream()
        .filter(op -> op.type().equals("Placeholder") && !inputs.contains(op.name()))
        .map(GraphOperation::name)
        .sorted()
        .findFirst()
        .orElse(null);
  }

  /**
   * Opens the frozen {@code GraphDef} in {@code file}, fed at {@code input} and read at {@code
   * outputs}, after {@link io.github.adaround.guard.OpSafety#checkGraph}.
   *
   * @param input the fed node or tensor, or null for the graph's one float placeholder
   * @param outputs the nodes or tensors read, or empty for its one float output that nothing reads
   * @param sampleShape one sample's shape for the input dimensions the graph leaves unknown, or
   *     null
   * @throws ModelException when the file is missing, no GraphDef, unsafe, holds no layer op, lacks
   *     a named node, does not say the input's shape or has not one candidate for an input or
   *     output that is not given
   */
  public static ModelSource openFrozen(
      Path file, String input, List<String> outputs, long[] sampleShape, Set<String> allowedOps)
      throws ModelException {
    return openFrozen(
        file, input == null ? List.of() : List.of(input), outputs, sampleShape, allowedOps);
  }

  /**
   * As {@link #openFrozen(Path, String, List, long[], Set)}, fed at each of {@code inputs} (empty
   * for the graph's one float placeholder); {@code sampleShape} fills the unknown dimensions of a
   * single input only.
   */
  public static ModelSource openFrozen(
      Path file,
      List<String> inputs,
      List<String> outputs,
      long[] sampleShape,
      Set<String> allowedOps)
      throws ModelException {
    GraphDef graph = readFrozen(file, allowedOps);
    if (!holdsLayerOps(graph)) {
      throw new ModelException(file, NO_LAYERS);
    }
    try {
      return FrozenGraph.open(file, graph, inputs, outputs, sampleShape);
    } catch (RuntimeException e) {
      throw named(file, e);
    }
  }

  /**
   * Opens the meta graph of tag {@code tag} of the SavedModel in {@code dir}, which has no
   * signatures, like a frozen graph: fed at {@code inputs}, read at {@code outputs}, after {@link
   * OpSafety#check}.
   *
   * @param inputs the fed nodes or tensors, or empty for the graph's one float placeholder
   * @param outputs the nodes or tensors read, or empty for its one float output that nothing reads
   * @param sampleShape one sample's shape for the input dimensions the graph leaves unknown (one
   *     input only), or null
   * @throws ModelException when the folder is no safe SavedModel, has no such tag, has signatures,
   *     holds no layer op, lacks a named node or has not one candidate for an input or output that
   *     is not given
   */
  public static ModelSource openUnsigned(
      Path dir,
      String tag,
      List<String> inputs,
      List<String> outputs,
      long[] sampleShape,
      Set<String> allowedOps)
      throws ModelException {
    OpSafety.check(dir, tag, allowedOps);
    MetaGraphDef meta = OpSafety.taggedGraph(dir, tag);
    if (meta.getSignatureDefCount() > 0) {
      throw new ModelException(
          dir,
          "--input and --output are for a frozen GraphDef or a SavedModel without signatures, and"
              + " this one has signatures "
              + String.join(", ", new TreeSet<>(meta.getSignatureDefMap().keySet()))
              + " (choose one with --signature)");
    }
    if (!holdsLayerOps(meta.getGraphDef())) {
      throw new ModelException(dir, NO_LAYERS);
    }
    try {
      return UnsignedSavedModel.open(dir, tag, meta, inputs, outputs, sampleShape);
    } catch (RuntimeException e) {
      throw named(dir, e);
    }
  }

  /**
   * The tensors that a model without signatures (a frozen GraphDef file, or a SavedModel whose meta
   * graph of tag {@code tag} has none) can be fed and read at; empty for a SavedModel with
   * signatures.
   *
   * @throws ModelException when the model cannot be read, is unsafe or does not import
   */
  public static Optional<GraphEnds> graphEnds(Path model, String tag, Set<String> allowedOps)
      throws ModelException {
    GraphDef graph;
    if (Files.isDirectory(model)) {
      OpSafety.check(model, tag, allowedOps);
      MetaGraphDef meta = OpSafety.taggedGraph(model, tag);
      if (meta.getSignatureDefCount() > 0) {
        return Optional.empty();
      }
      graph = meta.getGraphDef();
    } else {
      graph = readFrozen(model, allowedOps);
    }
    try {
      return Optional.of(GraphEnds.of(graph));
    } catch (RuntimeException e) {
      throw named(model, e);
    }
  }

  /** The GraphDef in {@code file}, after {@link OpSafety#checkGraph}. */
  private static GraphDef readFrozen(Path file, Set<String> allowedOps) throws ModelException {
    if (!Files.isRegularFile(file)) {
      throw new ModelException(file, "no such file");
    }
    GraphDef graph;
    try {
      graph = GraphDef.parseFrom(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ModelException(file, "not a frozen GraphDef (its bytes do not parse as one)", e);
    }
    if (graph.getNodeCount() == 0) {
      throw new ModelException(file, "not a frozen GraphDef (no nodes)");
    }
    OpSafety.checkGraph(file, graph, allowedOps);
    return graph;
  }

  /** A user error about the model as one that names it; anything else as it is. */
  private static RuntimeException named(Path model, RuntimeException e) {
    return e instanceof UserError && !(e instanceof ModelException)
        ? new ModelException(model, e.getMessage(), e)
        : e;
  }

  /** Whether the graph or a function of its library holds a layer op. */
  private static boolean holdsLayerOps(GraphDef graph) {
    return graph.getNodeList().stream().anyMatch(ModelSources::isLayerOp)
        || graph.getLibrary().getFunctionList().stream()
            .anyMatch(f -> f.getNodeDefList().stream().anyMatch(ModelSources::isLayerOp));
  }

  private static boolean isLayerOp(NodeDef node) {
    return LayerInspector.LAYER_OPS.contains(node.getOp());
  }

  /** Whether a node that the signature's outputs depend on calls a function of the library. */
  private static boolean callsFunctions(GraphDef graph, ChosenSignature signature) {
    FunctionLibrary library = new FunctionLibrary(graph.getLibrary());
    Map<String, NodeDef> nodes = new HashMap<>();
    graph.getNodeList().forEach(n -> nodes.put(n.getName(), n));
    Deque<String> pending = new ArrayDeque<>();
    signature.outputs().forEach(o -> pending.add(OpNames.nodeOf(o)));
    Set<String> seen = new HashSet<>();
    while (!pending.isEmpty()) {
      NodeDef node = nodes.get(pending.pop());
      if (node == null || !seen.add(node.getName())) {
        continue;
      }
      if (!library.calledBy(node).isEmpty()) {
        return true;
      }
      node.getInputList().forEach(i -> pending.add(OpNames.nodeOf(i)));
    }
    return false;
  }
}
