package io.github.adaround.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.ByteDataBuffer;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TString;

/**
 * The entries of a TF2 SavedModel's checkpoint, read with the keys and dtypes that the model's own
 * restore function ({@code __inference__traced_restore_*}) restores, by TF's {@code RestoreV2}.
 */
final class Checkpoint {

  private Checkpoint() {}

  /**
   * Each key's value as bytes (a string tensor's elements concatenated), in the order the restore
   * function lists them; fails if a key is missing from {@code variables/}.
   *
   * @param model the folder whose {@code saved_model.pb} names the keys
   * @param checkpoint the folder whose {@code variables/variables} is read
   */
  static Map<String, byte[]> entries(Path model, Path checkpoint) throws IOException {
    SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(model.resolve("saved_model.pb")));
    FunctionDef restore =
        saved.getMetaGraphs(0).getGraphDef().getLibrary().getFunctionList().stream()
            .filter(f -> f.getSignature().getName().startsWith("__inference__traced_restore"))
            .findFirst()
            .orElseThrow();
    NodeDef restoreV2 = node(restore, "RestoreV2");
    NodeDef names = node(restore, "RestoreV2/tensor_names");
    NodeDef slices = node(restore, "RestoreV2/shape_and_slices");
    List<String> keys = new ArrayList<>();
    names
        .getAttrMap()
        .get("value")
        .getTensor()
        .getStringValList()
        .forEach(k -> keys.add(k.toStringUtf8()));
    List<DataType> dtypes = restoreV2.getAttrMap().get("dtypes").getList().getTypeList();
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      GraphOperation prefix =
          constant(graph, "prefix", null, checkpoint.resolve("variables").resolve("variables"));
      GraphOperation op =
          graph
              .opBuilder("RestoreV2", "restore", graph.baseScope())
              .addInput(prefix.output(0))
              .addInput(constant(graph, "names", names, null).output(0))
              .addInput(constant(graph, "slices", slices, null).output(0))
              .setAttr("dtypes", dtypes.toArray(DataType[]::new))
              .build();
      Session.Runner runner = session.runner();
      for (int i = 0; i < keys.size(); i++) {
        runner.fetch(op.output(i));
      }
      Map<String, byte[]> entries = new LinkedHashMap<>();
      try (Result r = runner.run()) {
        for (int i = 0; i < keys.size(); i++) {
          entries.put(keys.get(i), bytes(r.get(i)));
        }
      }
      return entries;
    }
  }

  private static byte[] bytes(Tensor t) {
    if (t instanceof TString s) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      s.asBytes().scalars().forEach(e -> out.writeBytes(e.getObject()));
      return out.toByteArray();
    }
    ByteDataBuffer data = t.asRawTensor().data();
    byte[] b = new byte[Math.toIntExact(data.size())];
    data.read(b);
    return b;
  }

  private static NodeDef node(FunctionDef function, String name) {
    return function.getNodeDefList().stream()
        .filter(n -> n.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  /** A string Const: a copy of {@code like}'s value, or the scalar {@code path}. */
  private static GraphOperation constant(Graph graph, String name, NodeDef like, Path path) {
    var builder =
        graph.opBuilder("Const", name, graph.baseScope()).setAttr("dtype", DataType.DT_STRING);
    if (like != null) {
      builder.setAttr("value", like.getAttrMap().get("value"));
      return (GraphOperation) builder.build();
    }
    try (TString value = TString.scalarOf(path.toString())) {
      return (GraphOperation) builder.setAttr("value", value).build();
    }
  }
}
