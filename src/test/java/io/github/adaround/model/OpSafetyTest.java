package io.github.adaround.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** A SavedModel that reads a file when served is refused before anything of it runs. */
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
    assertDoesNotThrow(() -> OpSafety.check(model, Set.of("ReadFile")));
  }

  @Test
  void theBundledModelIsSafe() {
    assertDoesNotThrow(() -> OpSafety.check(Path.of("models", "fashion-mnist-cnn"), Set.of()));
  }

  @Test
  void aCorruptSavedModelFileIsReportedInOneLine(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("saved_model.pb"), new byte[] {0x0a, (byte) 0xff, 0x01, 0x02});
    ModelException e = assertThrows(ModelException.class, () -> SavedModels.load(dir));
    assertTrue(e.getMessage().startsWith(dir + ": saved_model.pb is corrupt"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }
}
