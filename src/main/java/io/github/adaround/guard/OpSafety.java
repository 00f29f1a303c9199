package io.github.adaround.guard;

import io.github.adaround.error.ModelException;
import io.github.adaround.graph.FunctionLibrary;
import io.github.adaround.tf.OpNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Checks a SavedModel before anything of it runs. A SavedModel is a program: an op reachable from
 * its signatures or run when it loads (its main or init op) could read or write files, start a
 * process or reach the network. Those ops are refused, by name, unless the user allows them.
 *
 * <p>The check reads {@code saved_model.pb} as a protocol buffer; nothing is loaded into TF. Every
 * function of the graph's library is checked, reachable or not. TF2 SavedModels carry their own
 * saver functions, which read and write the checkpoint when the model is loaded or saved; such a
 * function passes when it holds only what a saver holds ({@link #SAVER_OPS}) and nothing a
 * signature or init op runs reaches it.
 */
public final class OpSafety {

  /** Op types that touch files, processes or the network. */
  public static final Set<String> UNSAFE =
      Set.of(
          "ReadFile",
          "WriteFile",
          "MatchingFiles",
          "MatchingFilesDataset",
          "PyFunc",
          "PyFuncStateless",
          "EagerPyFunc",
          "Save",
          "SaveV2",
          "SaveSlices",
          "Restore",
          "RestoreV2",
          "RestoreSlice",
          "MergeV2Checkpoints",
          "ImmutableConst",
          "WholeFileReader",
          "WholeFileReaderV2",
          "TextLineReader",
          "TextLineReaderV2",
          "TFRecordReader",
          "TFRecordReaderV2",
          "FixedLengthRecordReader",
          "FixedLengthRecordReaderV2",
          "LMDBReader",
          "IdentityReader",
          "IdentityReaderV2",
          "TextLineDataset",
          "TFRecordDataset",
          "TFRecordDatasetV2",
          "FixedLengthRecordDataset",
          "FixedLengthRecordDatasetV2",
          "CSVDataset",
          "CSVDatasetV2",
          "ExperimentalCSVDataset",
          "SqlDataset",
          "ExperimentalSqlDataset",
          "LMDBDataset",
          "ExperimentalLMDBDataset",
          "DatasetToTFRecord",
          "ExperimentalDatasetToTFRecord",
          "SaveDataset",
          "SaveDatasetV2",
          "LoadDataset",
          "SnapshotDataset",
          "SnapshotDatasetV2",
          "InitializeTableFromTextFile",
          "InitializeTableFromTextFileV2",
          "LoadAndRemapMatrix",
          "CreateSummaryFileWriter",
          "CreateSummaryDbWriter",
          "ImportEvent",
          "DebugIdentity",
          "DebugIdentityV2",
          "DebugIdentityV3",
          "DebugNanCount",
          "DebugNumericSummary",
          "DebugNumericSummaryV2",
          "Send",
          "Recv",
          "_Send",
          "_Recv",
          "_HostSend",
          "_HostRecv",
          "RemoteCall",
          "CollectiveReduce",
          "CollectiveReduceV2",
          "CollectiveGather",
          "CollectiveGatherV2",
          "CollectiveBcastSend",
          "CollectiveBcastRecv",
          "CollectiveBcastSendV2",
          "CollectiveBcastRecvV2",
          "CollectiveAllToAllV2",
          "CollectiveAllToAllV3",
          "NcclAllReduce",
          "NcclBroadcast",
          "NcclReduce");

  /**
   * What a model's own saver functions (TF2's {@code __inference__traced_save} and {@code
   * __inference__traced_restore}) hold: checkpoint reads and writes, file-name arithmetic, variable
   * reads and assigns.
   */
  public static final Set<String> SAVER_OPS =
      Set.of(
          "SaveV2",
          "RestoreV2",
          "MergeV2Checkpoints",
          "ShardedFilename",
          "StringJoin",
          "StaticRegexFullMatch",
          "Select",
          "SelectV2",
          "Pack",
          "Identity",
          "IdentityN",
          "AssignVariableOp",
          "ReadVariableOp",
          "DisableCopyOnRead",
          "NoOp",
          "Const",
          "PrintV2",
          "StatefulPartitionedCall",
          "PartitionedCall");

  private OpSafety() {}

  /**
   * Refuses the model in {@code dir} if its meta graph of tag {@code tag} reaches an unsafe op that
   * is not in {@code allowed}: from its signatures and init ops, through the functions they call;
   * in a saver function (one the saver def calls), anything that a saver does not hold; in any
   * other function of the library, an unsafe op.
   *
   * @throws ModelException naming the unsafe ops, or when {@code saved_model.pb} is unreadable
   */
  public static void check(Path dir, String tag, Set<String> allowed) throws ModelException {
    MetaGraphDef graph = taggedGraph(dir, tag);
    FunctionLibrary library = new FunctionLibrary(graph.getGraphDef().getLibrary());
    Set<String> refused = new TreeSet<>();
    Set<String> reachedFunctions = new HashSet<>();
    for (NodeDef node : reachedNodes(graph)) {
      refuseUnsafe(node, node.getName(), allowed, refused);
      reachedFunctions.addAll(library.calledBy(node));
    }
    for (String function : library.closure(reachedFunctions)) {
      for (NodeDef node : library.get(function).getNodeDefList()) {
        refuseUnsafe(node, function + "/" + node.getName(), allowed, refused);
      }
    }
    Set<String> saverFunctions = library.closure(saverCalls(graph, library));
    saverFunctions.removeAll(library.closure(reachedFunctions));
    Set<String> foreign = new TreeSet<>();
    for (String function : saverFunctions) {
      for (NodeDef node : library.get(function).getNodeDefList()) {
        if (!SAVER_OPS.contains(node.getOp()) && !library.contains(node.getOp())
            || isFileWriter(node)) {
          foreign.add(node.getOp() + " (" + function + "/" + node.getName() + ")");
        }
      }
    }
    for (FunctionDef function : library.all()) {
      String name = function.getSignature().getName();
      if (reachedFunctions.contains(name) || saverFunctions.contains(name)) {
        continue;
      }
      for (NodeDef node : function.getNodeDefList()) {
        refuseUnsafe(node, name + "/" + node.getName(), allowed, refused);
      }
    }
    List<String> problems = new ArrayList<>();
    if (!refused.isEmpty()) {
      problems.add(
          "refusing to run ops that touch files, processes or the network: "
              + String.join(", ", refused)
              + " (allow one with --allow-op NAME)");
    }
    if (!foreign.isEmpty()) {
      problems.add(
          "refusing a saver function that holds ops no saver holds: " + String.join(", ", foreign));
    }
    if (!problems.isEmpty()) {
      throw new ModelException(dir, String.join("; ", problems));
    }
  }

  /**
   * Refuses a frozen {@code GraphDef} ({@code file}) if a node of it, or of a function in its
   * library, is an unsafe op that is not in {@code allowed}.
   *
   * @throws ModelException naming the unsafe ops
   */
  public static void checkGraph(Path file, GraphDef graph, Set<String> allowed)
      throws ModelException {
    Set<String> refused = new TreeSet<>();
    for (NodeDef node : graph.getNodeList()) {
      refuseUnsafe(node, node.getName(), allowed, refused);
    }
    for (FunctionDef function : graph.getLibrary().getFunctionList()) {
      for (NodeDef node : function.getNodeDefList()) {
        refuseUnsafe(
            node, function.getSignature().getName() + "/" + node.getName(), allowed, refused);
      }
    }
    if (!refused.isEmpty()) {
      throw new ModelException(
          file,
          "refusing to run ops that touch files, processes or the network: "
              + String.join(", ", refused)
              + " (allow one with --allow-op NAME)");
    }
  }

  private static void refuseUnsafe(
      NodeDef node, String where, Set<String> allowed, Set<String> refused) {
    if ((UNSAFE.contains(node.getOp()) || isFileWriter(node)) && !allowed.contains(node.getOp())) {
      refused.add(node.getOp() + " (" + where + ")");
    }
  }

  /** A {@code PrintV2} whose output stream is a file ({@code file://...}) writes that file. */
  private static boolean isFileWriter(NodeDef node) {
    AttrValue stream = node.getAttrMap().get("output_stream");
    return node.getOp().equals("PrintV2")
        && stream != null
        && stream.getS().toStringUtf8().startsWith("file://");
  }

  /**
   * The top-level nodes that the signatures' outputs and the init ops depend on. A graph without
   * signatures is fed and read at any of its tensors: every node of it, but the checkpoint ops
   * (SaveV2, RestoreV2, MergeV2Checkpoints) that its saver def's save and restore ops run.
   */
  private static List<NodeDef> reachedNodes(MetaGraphDef graph) {
    Map<String, NodeDef> nodes = new HashMap<>();
    for (NodeDef node : graph.getGraphDef().getNodeList()) {
      nodes.put(node.getName(), node);
    }
    Deque<String> pending = new ArrayDeque<>();
    if (graph.getSignatureDefCount() == 0) {
      SaverDef saver = graph.getSaverDef();
      pending.add(OpNames.nodeOf(saver.getSaveTensorName()));
      pending.add(OpNames.nodeOf(saver.getRestoreOpName()));
      Set<String> checkpointOps = Set.of("SaveV2", "RestoreV2", "MergeV2Checkpoints");
      Set<NodeDef> saverNodes = new HashSet<>(dependencies(nodes, pending));
      return graph.getGraphDef().getNodeList().stream()
          .filter(n -> !(saverNodes.contains(n) && checkpointOps.contains(n.getOp())))
          .toList();
    }
    for (SignatureDef signature : graph.getSignatureDefMap().values()) {
      for (TensorInfo output : signature.getOutputsMap().values()) {
        pending.add(OpNames.nodeOf(output.getName()));
      }
    }
    for (String collection :
        new String[] {"saved_model_main_op", "legacy_init_op", "table_initializer"}) {
      CollectionDef def = graph.getCollectionDefMap().get(collection);
      if (def != null) {
        def.getNodeList().getValueList().forEach(name -> pending.add(OpNames.nodeOf(name)));
      }
    }
    return dependencies(nodes, pending);
  }

  /** The nodes that {@code pending} names and the nodes they depend on. */
  private static List<NodeDef> dependencies(Map<String, NodeDef> nodes, Deque<String> pending) {
    Set<String> seen = new HashSet<>();
    List<NodeDef> reached = new ArrayList<>();
    while (!pending.isEmpty()) {
      String name = pending.pop();
      NodeDef node = nodes.get(name);
      if (node == null || !seen.add(name)) {
        continue;
      }
      reached.add(node);
      node.getInputList().forEach(input -> pending.add(OpNames.nodeOf(input)));
    }
    return reached;
  }

  /** The functions that the saver def's save and restore nodes call. */
  private static Set<String> saverCalls(MetaGraphDef graph, FunctionLibrary library) {
    SaverDef saver = graph.getSaverDef();
    // A graph without a saver has two empty names.
    Set<String> saverNodes =
        new HashSet<>(
            List.of(
                OpNames.nodeOf(saver.getSaveTensorName()),
                OpNames.nodeOf(saver.getRestoreOpName())));
    Set<String> called = new HashSet<>();
    for (NodeDef node : graph.getGraphDef().getNodeList()) {
      if (saverNodes.contains(node.getName())) {
        called.addAll(library.calledBy(node));
      }
    }
    return called;
  }

  /**
   * The meta graph of tag {@code tag} in {@code dir}'s {@code saved_model.pb}, read as a protocol
   * buffer.
   *
   * @throws ModelException when the folder is no SavedModel or has no meta graph of that tag (the
   *     message lists the tags it has)
   */
  public static MetaGraphDef taggedGraph(Path dir, String tag) throws ModelException {
    Path file = dir.resolve("saved_model.pb");
    if (!Files.isDirectory(dir)) {
      throw new ModelException(dir, "no such folder");
    }
    if (!Files.isRegularFile(file)) {
      throw new ModelException(dir, "not a SavedModel (no saved_model.pb)");
    }
    SavedModel model;
    try {
      model = SavedModel.parseFrom(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ModelException(
          dir, "saved_model.pb is corrupt or unreadable (" + e.getMessage() + ")");
    }
    return model.getMetaGraphsList().stream()
        .filter(m -> m.getMetaInfoDef().getTagsList().contains(tag))
        .findFirst()
        .orElseThrow(
            () ->
                new ModelException(
                    dir,
                    "no meta graph with tag '"
                        + tag
                        + "' (its tags: "
                        + model.getMetaGraphsList().stream()
                            .map(m -> String.join(",", m.getMetaInfoDef().getTagsList()))
                            .map(t -> t.isEmpty() ? "none" : t)
                            .collect(Collectors.joining("; "))
                        + "; choose one with --tag TAG)"));
  }
}
