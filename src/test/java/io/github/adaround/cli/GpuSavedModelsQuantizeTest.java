package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.graph.Tf1StyleModel;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.SavedModel;

/**
 * Models saved on a GPU machine pin their ops to {@code /device:GPU:0}; on a machine without one
 * they load, quantize and export all the same, and the export keeps the input's device strings. The
 * pinned models are the committed ones with every node's device set as a GPU export sets it.
 */
class GpuSavedModelsQuantizeTest {
  private static final String GPU = "/device:GPU:0";
  private static final Path MODELS = Path.of("src", "test", "resources", "models");
  private static final Path HALF_PLUS_TWO = MODELS.resolve("half-plus-two-gpu-tf1");
  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  @TempDir Path dir;

  @Test
  void aTf1SavedModelPinnedToAGpuIsQuantizedAndKeepsItsDevices() throws Exception {
    Path pinned = pinSavedModel(Tf1StyleModel.export(dir.resolve("tf1")), dir.resolve("pinned"));
    Path out = dir.resolve("q");

    Run r = quantize(pinned, out, "--calibration-npy", images(24, 16, 16, 3).toString());

    assertEquals(0, r.status(), r.err());
    assertFalse(ExportedWeights.assertOnDeclaredGrid(out, "serving_default").isEmpty());
    assertTrue(allPinned(savedGraph(out)), "the export keeps the input's device strings");
  }

  @Test
  void aTf2KerasSavedModelPinnedToAGpuIsInlinedQuantizedAndKeepsItsDevices() throws Exception {
    Path pinned = pinSavedModel(MODELS.resolve("keras-dense-tfnet"), dir.resolve("pinned"));
    Path out = dir.resolve("q");

    Run r = quantize(pinned, out, "--data-dir", SUBSET);

    assertEquals(0, r.status(), r.err());
    assertEquals(2, ExportedWeights.assertOnDeclaredGrid(out, "serving_default").size());
    assertTrue(allPinned(savedGraph(out)), "the export keeps the input's device strings");
  }

  @Test
  void aFrozenGraphPinnedToAGpuIsQuantizedAndKeepsItsDevices() throws Exception {
    GraphDef graph =
        GraphDef.parseFrom(Files.readAllBytes(MODELS.resolve("mlnet-cifar/mlnet-cifar-frozen.pb")));
    Path pinned = dir.resolve("pinned.pb");
    Files.write(pinned, pin(graph).toByteArray());
    Path out = dir.resolve("q");

    Run r =
        quantize(
            pinned,
            out,
            "--input",
            "Input",
            "--output",
            "Output",
            "--calibration-npy",
            images(24, 32, 32, 3).toString());

    assertEquals(0, r.status(), r.err());
    Path exported = out.resolve("pinned.pb");
    try (ModelSource model =
        ModelSources.openFrozen(exported, "Input", List.of("Output"), null, Set.of())) {
      assertEquals(2, ExportedWeights.assertOnDeclaredGrid(out, model).size());
    }
    assertTrue(allPinned(GraphDef.parseFrom(Files.readAllBytes(exported))));
  }

  /** TensorFlow Serving's GPU test model, saved by TF 1.9 on a GPU: no layers, and it says so. */
  @Test
  void tensorflowServingsGpuModelLoadsAndHasNoQuantizableLayers() {
    Run r = run("inspect", "--model", HALF_PLUS_TWO.toString());

    assertEquals(1, r.status());
    assertTrue(r.err().contains("no quantizable layers"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  private Run quantize(Path model, Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "quantize",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--calibration",
                "16",
                "--iterations",
                "10",
                "--per-channel"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  /** {@code n} random images of {@code h x w x c} in an {@code .npy} file. */
  private Path images(int n, int h, int w, int c) throws IOException {
    Random random = new Random(3);
    float[] values = new float[n * h * w * c];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat();
    }
    Path file = dir.resolve("images-" + h + "x" + w + ".npy");
    NpyFiles.writeFloats(file, new long[] {n, h, w, c}, values);
    return file;
  }

  /** A copy of the SavedModel in {@code model} whose every node is pinned to the GPU. */
  static Path pinSavedModel(Path model, Path copy) throws IOException {
    copyTree(model, copy);
    SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(model.resolve("saved_model.pb")));
    SavedModel.Builder pinned = saved.toBuilder();
    for (MetaGraphDef.Builder meta : pinned.getMetaGraphsBuilderList()) {
      meta.setGraphDef(pin(meta.getGraphDef()));
    }
    Path pb = copy.resolve("saved_model.pb");
    pb.toFile().setWritable(true);
    Files.write(pb, pinned.build().toByteArray());
    return copy;
  }

  /** {@code graph} with every node, in the graph and in its functions, on {@link #GPU}. */
  private static GraphDef pin(GraphDef graph) {
    GraphDef.Builder out = graph.toBuilder();
    out.getNodeBuilderList().forEach(n -> n.setDevice(GPU));
    for (FunctionDef.Builder f : out.getLibraryBuilder().getFunctionBuilderList()) {
      f.getNodeDefBuilderList().forEach(n -> n.setDevice(GPU));
    }
    return out.build();
  }

  private static boolean allPinned(GraphDef graph) {
    return graph.getNodeCount() > 0
        && graph.getNodeList().stream().map(NodeDef::getDevice).allMatch(GPU::equals);
  }

  private static GraphDef savedGraph(Path model) throws IOException {
    return SavedModel.parseFrom(Files.readAllBytes(model.resolve("saved_model.pb")))
        .getMetaGraphs(0)
        .getGraphDef();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
