package io.github.adaround.guard;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.error.ModelException;
import io.github.adaround.source.SavedModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;

/**
 * A SavedModel that reads a file when served is refused before anything of it runs; a TF2
 * SavedModel's own saver functions pass while they hold only what a saver holds and nothing a
 * signature or init op runs reaches them.
 */
class OpSafetyTest {

  /** A model with an output that reads {@code secret}. */
  private static Path fileReadingModel(Path dir, Path secret) throws IOException {
    Path model = dir.resolve("model");
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class);
      var contents = tf.withName("steal").io.readFile(tf.constant(secret.toString()));
      var y = tf.withName("y").identity(x);
      SavedModelBundle.exporter(model.toString())
          .withSession(session)
          .withSignature(
              Signature.builder("serving_default")
                  .input("x", x)
                  .output("y", y)
                  .output("leak", contents)
                  .build())
          .export();
    }
    return model;
  }

  @Test
  void anOpThatReadsFilesIsRefusedByNameUnlessAllowed(@TempDir Path dir) throws Exception {
    Path secret = Files.writeString(dir.resolve("secret.txt"), "do not read");
    Path model = fileReadingModel(dir, secret);

    ModelException e = assertThrows(ModelException.class, () -> SavedModels.load(model));
    assertEquals(
        model
            + ": refusing to run ops that touch files, processes or the network: ReadFile (steal)"
            + " (allow one with --allow-op NAME)",
        e.getMessage());
    assertDoesNotThrow(() -> OpSafety.check(model, "serve", Set.of("ReadFile")));
  }

  private static final Path KERAS =
      Path.of("src", "test", "resources", "models", "keras-dense-tfnet");

  /** A copy of the Keras SavedModel with its {@code saved_model.pb} changed by {@code edit}. */
  private static Path kerasModelEditedBy(Path dir, UnaryOperator<MetaGraphDef> edit)
      throws IOException {
    Path copy = Files.createDirectories(dir.resolve("edited"));
    SavedModel model = SavedModel.parseFrom(Files.readAllBytes(KERAS.resolve("saved_model.pb")));
    SavedModel edited =
        model.toBuilder().setMetaGraphs(0, edit.apply(model.getMetaGraphs(0))).build();
    Files.write(copy.resolve("saved_model.pb"), edited.toByteArray());
    return copy;
  }

  private static String saveFunction(MetaGraphDef graph) {
    return graph.getGraphDef().getLibrary().getFunctionList().stream()
        .map(f -> f.getSignature().getName())
        .filter(name -> name.startsWith("__inference__traced_save"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aKerasModelsOwnSaverFunctionsPass() {
    assertDoesNotThrow(() -> OpSafety.check(KERAS, "serve", Set.of()));
  }

  @Test
  void aSaverFunctionHoldingAnythingElseIsRefused(@TempDir Path dir) throws Exception {
    String[] save = new String[1];
    Path model =
        kerasModelEditedBy(
            dir,
            graph -> {
              save[0] = saveFunction(graph);
              var library = graph.getGraphDef().getLibrary().toBuilder();
              for (int i = 0; i < library.getFunctionCount(); i++) {
                if (library.getFunction(i).getSignature().getName().equals(save[0])) {
                  library.setFunction(
                      i,
                      library.getFunction(i).toBuilder()
                          .addNodeDef(
                              NodeDef.newBuilder()
                                  .setName("extra")
                                  .setOp("MatMul")
                                  .addInput("file_prefix")
                                  .addInput("file_prefix")));
                }
              }
              return graph.toBuilder()
                  .setGraphDef(graph.getGraphDef().toBuilder().setLibrary(library))
                  .build();
            });

    ModelException e =
        assertThrows(ModelException.class, () -> OpSafety.check(model, "serve", Set.of()));
    assertEquals(
        model
            + ": refusing a saver function that holds ops no saver holds: MatMul ("
            + save[0]
            + "/extra)",
        e.getMessage());
  }

  @Test
  void saverOpsThatASignatureReachesAreRefused(@TempDir Path dir) throws Exception {
    Path model =
        kerasModelEditedBy(
            dir,
            graph -> {
              String save = graph.getSaverDef().getSaveTensorName();
              SignatureDef leak =
                  SignatureDef.newBuilder()
                      .putOutputs("saved", TensorInfo.newBuilder().setName(save).build())
                      .build();
              return graph.toBuilder().putSignatureDef("leak", leak).build();
            });

    ModelException e =
        assertThrows(ModelException.class, () -> OpSafety.check(model, "serve", Set.of()));
    assertTrue(e.getMessage().contains("SaveV2 ("), e.getMessage());
    assertTrue(e.getMessage().contains("MergeV2Checkpoints ("), e.getMessage());
  }

  @Test
  void saverOpsThatAnInitOpReachesAreRefused(@TempDir Path dir) throws Exception {
    Path model =
        kerasModelEditedBy(
            dir,
            graph -> {
              String restore = graph.getSaverDef().getRestoreOpName();
              CollectionDef init =
                  CollectionDef.newBuilder()
                      .setNodeList(CollectionDef.NodeList.newBuilder().addValue(restore))
                      .build();
              return graph.toBuilder().putCollectionDef("saved_model_main_op", init).build();
            });

    ModelException e =
        assertThrows(ModelException.class, () -> OpSafety.check(model, "serve", Set.of()));
    assertTrue(e.getMessage().contains("RestoreV2 ("), e.getMessage());
  }

  @Test
  void theBundledModelIsSafe() {
    assertDoesNotThrow(
        () -> OpSafety.check(Path.of("models", "fashion-mnist-cnn"), "serve", Set.of()));
  }

  @Test
  void aCorruptSavedModelFileIsReportedInOneLine(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("saved_model.pb"), new byte[] {0x0a, (byte) 0xff, 0x01, 0x02});
    ModelException e = assertThrows(ModelException.class, () -> SavedModels.load(dir));
    assertTrue(e.getMessage().startsWith(dir + ": saved_model.pb is corrupt"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }
}
