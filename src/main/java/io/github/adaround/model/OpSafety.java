package io.github.adaround.model;

import io.github.adaround.tf.OpNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Checks a SavedModel before anything of it runs. A SavedModel is a program: an op reachable from
 * its signatures or run when it loads (its main or init op) could read or write files, start a
 * process or reach the network. Those ops are refused, by name, unless the user allows them.
 *
 * <p>The check reads {@code saved_model.pb} as a protocol buffer; nothing is loaded into TF. Ops in
 * the graph's function library are all checked, reachable or not.
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

  private OpSafety() {}

  /**
   * Refuses the model in {@code dir} if its {@code serve} graph reaches an unsafe op that is not in
   * {@code allowed}.
   *
   * @throws ModelException naming the unsafe ops, or when {@code saved_model.pb} is unreadable
   */
  public static void check(Path dir, Set<String> allowed) throws ModelException {
    MetaGraphDef graph = serveGraph(dir);
    Map<String, NodeDef> nodes = new HashMap<>();
    for (NodeDef node : graph.getGraphDef().getNodeList()) {
      nodes.put(node.getName(), node);
    }
    Deque<String> pending = new ArrayDeque<>();
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
    Set<String> seen = new java.util.HashSet<>();
    Set<String> refused = new TreeSet<>();
    while (!pending.isEmpty()) {
      String name = pending.pop();
      NodeDef node = nodes.get(name);
      if (node == null || !seen.add(name)) {
        continue;
      }
      if (UNSAFE.contains(node.getOp()) && !allowed.contains(node.getOp())) {
        refused.add(node.getOp() + " (" + name + ")");
      }
      node.getInputList().forEach(input -> pending.add(OpNames.nodeOf(input)));
    }
    for (FunctionDef function : graph.getGraphDef().getLibrary().getFunctionList()) {
      for (NodeDef node : function.getNodeDefList()) {
        if (UNSAFE.contains(node.getOp()) && !allowed.contains(node.getOp())) {
          refused.add(
              node.getOp() + " (" + function.getSignature().getName() + "/" + node.getName() + ")");
        }
      }
    }
    if (!refused.isEmpty()) {
      throw new ModelException(
          dir,
          "refusing to run ops that touch files, processes or the network: "
              + String.join(", ", refused)
              + " (allow one with --allow-op NAME)");
    }
  }

  private static MetaGraphDef serveGraph(Path dir) throws ModelException {
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
        .filter(m -> m.getMetaInfoDef().getTagsList().contains(SavedModels.SERVE))
        .findFirst()
        .orElseThrow(() -> new ModelException(dir, "no meta graph with tag 'serve'"));
  }
}
