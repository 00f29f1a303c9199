package io.github.adaround.source;

import io.github.adaround.data.InputSamples;
import io.github.adaround.error.UserError;
import io.github.adaround.graph.FunctionInliner;
import io.github.adaround.tf.OpNames;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * A TF2 SavedModel ({@code tf.saved_model.save}, Keras {@code model.save()} and {@code
 * model.export()}): its signature calls functions, whose bodies hold the layers and read resource
 * variables passed in as arguments. Exported by {@link OwnSaverExport}.
 *
 * <p>The calibration graph is the signature's calls inlined ({@link FunctionInliner}) into a flat
 * graph of its own session, whose variables start as the loaded model's. Weights are written to
 * both; the export is the input's {@code saved_model.pb} (signatures, object graph, assets, {@code
 * keras_metadata.pb}) as it was, beside a {@code variables/} that the model's own saver writes, so
 * that the checkpoint keys and every other variable stay as they were.
 */
final class FunctionSavedModel extends AbstractModelSource {

  private final Path dir;
  private final SavedModelBundle bundle;
  private final VariableAccess loaded;
  private final VariableAccess flat;

  private FunctionSavedModel(
      Path dir, SavedModelBundle bundle, ChosenSignature signature, Graph graph, Session session) {
    super(graph, session, signature);
    this.dir = dir;
    this.bundle = bundle;
    this.loaded = new VariableAccess(bundle.graph(), bundle.session());
    this.flat = new VariableAccess(graph, session);
  }

  /**
   * Inlines the signature {@code key} of a loaded model and copies its variables into the flat
   * graph; takes ownership of {@code bundle}.
   *
   * @throws UserError when the signature is unknown or cannot be inlined
   */
  static FunctionSavedModel open(Path dir, SavedModelBundle bundle, String key) {
    ChosenSignature signature = ChosenSignature.of(bundle.metaGraphDef(), key);
    GraphDef inlined =
        FunctionInliner.inline(
            bundle.metaGraphDef().getGraphDef(),
            signature.outputs().stream().map(OpNames::nodeOf).toList());
    Graph graph = new Graph();
    try {
      graph.importGraphDef(Placement.withoutDevices(inlined));
    } catch (RuntimeException e) {
      graph.close();
      throw new UserError("the signature's functions cannot be inlined into one graph", e);
    }
    FunctionSavedModel model =
        new FunctionSavedModel(dir, bundle, signature, graph, Placement.session(graph));
    List<String> variables = new ArrayList<>();
    Iterator<GraphOperation> ops = graph.operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if (op.type().equals("VarHandleOp")) {
        variables.add(op.name());
      }
    }
    model.loaded.copyTo(variables, model.flat);
    return model;
  }

  @Override
  public float[] read(String weight) {
    return flat.readFloats(weight);
  }

  @Override
  public void write(String weight, Shape shape, float[] value) {
    try (TFloat32 t = TensorData.floats(shape, value)) {
      flat.write(weight, t);
      loaded.write(weight, t);
    }
  }

  /** Compares the flat graph's outputs with the loaded model's, bit for bit, batch by batch. */
  @Override
  public void verify(InputSamples samples) {
    Batches.forEach(
        inputs(),
        samples,
        Batches.rowsFor(graph(), inputs(), samples, outputTensors()),
        (x, rows) -> {
          Session.Runner inlined = Batches.feed(session().runner(), inputs(), x);
          Session.Runner original = Batches.feed(bundle.session().runner(), inputs(), x);
          for (String output : outputTensors()) {
            inlined.fetch(output);
            original.fetch(output);
          }
          try (Result a = inlined.run();
              Result b = original.run()) {
            for (int i = 0; i < outputTensors().size(); i++) {
              if (!a.get(i).asRawTensor().data().equals(b.get(i).asRawTensor().data())) {
                throw new IllegalStateException(
                    "the inlined graph's output "
                        + outputTensors().get(i)
                        + " differs from the model's own");
              }
            }
          }
        });
  }

  @Override
  public void export(Path out) throws IOException {
    OwnSaverExport.export(dir, bundle, out);
  }

  @Override
  public Optional<SavedModelBundle> rewritableBundle() {
    return Optional.empty();
  }

  @Override
  public void close() {
    session().close();
    graph().close();
    bundle.close();
  }
}
