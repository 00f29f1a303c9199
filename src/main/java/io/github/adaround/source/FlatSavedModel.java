package io.github.adaround.source;

import io.github.adaround.data.InputSamples;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A SavedModel whose signature's ops sit in the graph itself (TF-Java exports, TF1 SavedModels):
 * the loaded graph is the calibration graph, weights are read and written without adding ops, and
 * the export rebuilds the SavedModel from the session with the input's signatures.
 */
final class FlatSavedModel extends AbstractModelSource {

  private final Path dir;
  private final SavedModelBundle bundle;

  /** Takes ownership of {@code bundle}, loaded from {@code dir}. */
  FlatSavedModel(Path dir, SavedModelBundle bundle, String key) {
    super(bundle.graph(), bundle.session(), ChosenSignature.of(bundle.metaGraphDef(), key));
    this.dir = dir;
    this.bundle = bundle;
  }

  /** A {@code VariableV2} is fetched itself, a resource variable through a read the graph has. */
  @Override
  public float[] read(String weight) {
    GraphOperation op = bundle.graph().operationOrThrow(weight);
    String fetched = op.type().equals("VarHandleOp") ? existingRead(op) : weight;
    return fetchFloats(fetched);
  }

  private static String existingRead(GraphOperation handle) {
    return handle.consumers(0).stream()
        .filter(c -> c.type().equals("ReadVariableOp"))
        .map(GraphOperation::name)
        .sorted()
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "the graph holds no read of variable '" + handle.name() + "'"));
  }

  @Override
  public void write(String weight, Shape shape, float[] value) {
    try (TFloat32 t = TensorData.floats(shape, value)) {
      VariableWriter.write(bundle.session(), bundle.graph(), weight, t);
    }
  }

  /** Nothing to check: the calibration graph is the loaded graph. */
  @Override
  public void verify(InputSamples samples) {}

  @Override
  public void export(Path out) throws IOException {
    if (holdsResourceVariables()) {
      OwnSaverExport.export(dir, bundle, out);
      return;
    }
    var exporter = SavedModelBundle.exporter(out.toString()).withSession(bundle.session());
    for (Signature s : bundle.signatures()) {
      exporter.withSignature(s);
    }
    exporter.export();
  }

  private boolean holdsResourceVariables() {
    Iterator<GraphOperation> ops = bundle.graph().operations();
    while (ops.hasNext()) {
      if (ops.next().type().equals("VarHandleOp")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Optional<SavedModelBundle> rewritableBundle() {
    return holdsResourceVariables() ? Optional.empty() : Optional.of(bundle);
  }

  @Override
  public void close() {
    bundle.close();
  }
}
