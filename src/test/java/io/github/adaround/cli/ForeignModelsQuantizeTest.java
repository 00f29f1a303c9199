package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import io.github.adaround.source.Tf1ResourceModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;

/**
 * {@code adaround quantize} on SavedModels exported by TensorFlow in Python, and on one laid out
 * like TF 1.15's exports.
 */
class ForeignModelsQuantizeTest {
  static final Path KERAS_DENSE =
      Path.of("src", "test", "resources", "models", "keras-dense-tfnet");
  static final Path TOY = Path.of("src", "test", "resources", "models", "tfjava-python-toy");
  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  @TempDir Path dir;

  private Run quantize(Path model, Path out, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "quantize",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--data-dir",
                SUBSET,
                "--calibration",
                "64",
                "--iterations",
                "20"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void aKerasSavedModelIsExportedWithItsOwnGraphAndSaverAndWeightsOnTheGrid() throws Exception {
    Path out = dir.resolve("q");
    Run r = quantize(KERAS_DENSE, out, "--per-channel", "--bits", "4");

    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("dense_1/kernel"), r.out());
    for (String file : List.of("saved_model.pb", "keras_metadata.pb")) {
      assertTrue(ExportedWeights.sameFile(KERAS_DENSE, out, file), file + " as it was");
    }
    Map<String, float[]> quantized = ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    assertEquals(Set.of("dense/kernel", "dense_1/kernel"), quantized.keySet());
    try (SavedModelBundle before = SavedModelBundle.load(KERAS_DENSE.toString(), "serve");
        SavedModelBundle after = SavedModelBundle.load(out.toString(), "serve")) {
      assertEquals(
          before.metaGraphDef().getSignatureDefMap(), after.metaGraphDef().getSignatureDefMap());
    }
    try (ModelSource before = ModelSources.open(KERAS_DENSE, "serving_default", Set.of());
        ModelSource after = ModelSources.open(out, "serving_default", Set.of())) {
      for (String bias : List.of("dense/bias", "dense_1/bias")) {
        assertArrayEquals(before.read(bias), after.read(bias), 0f, bias + " unchanged");
      }
    }
  }

  @Test
  void aTf1SavedModelWithResourceVariablesAndLayerCopiesIsQuantizedOnce() throws Exception {
    Path model = Tf1ResourceModel.export(dir.resolve("tf1"));
    Path npy = dir.resolve("x.npy");
    QuantizeCommandTest.writeNpy(npy, 40, 4);
    Path out = dir.resolve("q");

    Run r =
        run(
            "quantize",
            "--model",
            model.toString(),
            "--out",
            out.toString(),
            "--calibration-npy",
            npy.toString(),
            "--calibration",
            "32",
            "--iterations",
            "20",
            "--per-channel");

    assertEquals(0, r.status(), r.err());
    assertEquals(
        Set.of("dense/kernel"),
        ExportedWeights.assertOnDeclaredGrid(out, "serving_default").keySet());
    assertTrue(ExportedWeights.sameFile(model, out, "saved_model.pb"));
  }

  @Test
  void codesStorageIsRefusedBeforeTrainingWithTheReason() throws Exception {
    Path out = dir.resolve("codes");
    Run r = quantize(KERAS_DENSE, out, "--storage", "codes");

    assertEquals(1, r.status(), r.err());
    assertEquals(
        "adaround quantize: --storage codes needs a SavedModel of VariableV2 weights: this one is"
            + " written back by its own saver, whose checkpoint has no place for the codes and"
            + " scales"
            + System.lineSeparator(),
        r.err().lines().filter(l -> l.startsWith("adaround")).findFirst().orElse("")
            + System.lineSeparator());
    assertTrue(Files.notExists(out));
  }

  @Test
  void aModelWithoutLayersSaysSo() {
    Run r = quantize(TOY, dir.resolve("toy"));

    assertEquals(1, r.status(), r.err());
    assertEquals(
        "adaround quantize: " + TOY + ": " + ModelSources.NO_LAYERS + System.lineSeparator(),
        r.err());
  }
}
