package io.github.adaround.activation;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.source.VariableWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;

/**
 * Exports a model as its simulated integer inference (see {@link FakeQuantGraph}): the same
 * variables and signatures, each signature output that is encoded read after its fake-quant op.
 */
public final class FakeQuantExport {

  /** What needs the loaded SavedModel, for the message of a model that cannot give it. */
  public static final String PURPOSE = "integer activations (--activation-bits)";

  private FakeQuantExport() {}

  public static void export(ModelSession model, Map<String, ActivationEncoding> encodings, Path dir)
      throws IOException {
    SavedModelBundle bundle = model.bundle(PURPOSE);
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      graph.importGraphDef(FakeQuantGraph.rewrite(bundle.graph().toGraphDef(), encodings));
      Iterator<GraphOperation> ops = graph.operations();
      while (ops.hasNext()) {
        GraphOperation op = ops.next();
        if (op.type().equals("VariableV2")) {
          try (Result r = bundle.session().runner().fetch(op.name()).run()) {
            VariableWriter.write(session, graph, op.name(), r.get(0));
          }
        }
      }
      var exporter = SavedModelBundle.exporter(dir.toString()).withSession(session);
      for (Signature s : bundle.signatures()) {
        Signature.Builder rebuilt = Signature.builder(s.key()).methodName(s.methodName());
        s.getInputs().forEach((name, t) -> rebuilt.input(name, graph.output(t.name)));
        s.getOutputs()
            .forEach(
                (name, t) -> {
                  String tensor = t.name.contains(":") ? t.name : t.name + ":0";
                  rebuilt.output(
                      name,
                      graph.output(
                          encodings.containsKey(tensor)
                              ? FakeQuantGraph.quantizedTensor(tensor)
                              : tensor));
                });
        exporter.withSignature(rebuilt.build());
      }
      exporter.export();
    }
  }
}
