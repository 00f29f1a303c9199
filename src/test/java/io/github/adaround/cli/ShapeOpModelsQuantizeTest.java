package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.graph.ShapeOpModels;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quantize} and {@code inspect} end to end on frozen graphs whose layers read their weights
 * through shape ops (Conv1D, Tensordot, a flat constant), a Conv2DTranspose, a Conv3D and a layer
 * inside a while loop: the layers found are quantized onto the grid of {@code encodings.json}, the
 * others listed with their reason.
 */
class ShapeOpModelsQuantizeTest {
  @TempDir Path dir;

  private Run quantize(Path graph, long[] sample, Path out, String... extra) throws Exception {
    Random random = new Random(6);
    long size = 1;
    for (long d : sample) {
      size *= d;
    }
    float[] samples = new float[Math.toIntExact(32 * size)];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (float) random.nextGaussian();
    }
    long[] shape = new long[sample.length + 1];
    shape[0] = 32;
    System.arraycopy(sample, 0, shape, 1, sample.length);
    Path npy = dir.resolve("calibration.npy");
    NpyFiles.writeFloats(npy, shape, samples);
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "quantize",
                "--model",
                graph.toString(),
                "--input",
                ShapeOpModels.INPUT,
                "--output",
                ShapeOpModels.OUTPUT,
                "--out",
                out.toString(),
                "--calibration-npy",
                npy.toString(),
                "--calibration",
                "24",
                "--iterations",
                "20",
                "--per-channel",
                "--bits",
                "4"));
    args.addAll(List.of(extra));
    // The notes go to the process's stderr, as the progress bar does.
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream notes = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(notes, true, "UTF-8"));
    try {
      Run r = run(args.toArray(String[]::new));
      return new Run(r.status(), r.out(), r.err() + notes.toString("UTF-8"));
    } finally {
      System.setErr(stderr);
    }
  }

  private static ModelSource exported(Path out, Path graph) throws Exception {
    return ModelSources.openFrozen(
        out.resolve(graph.getFileName()),
        ShapeOpModels.INPUT,
        List.of(ShapeOpModels.OUTPUT),
        null,
        Set.of());
  }

  private static JsonObject report(Path out) throws Exception {
    return JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
  }

  private static List<Integer> axes(JsonObject layer) {
    List<Integer> axes = new java.util.ArrayList<>();
    layer.getAsJsonArray("channel_axes").forEach(a -> axes.add(a.getAsInt()));
    return axes;
  }

  private static Run inspect(Path graph) {
    return run(
        "inspect",
        "--model",
        graph.toString(),
        "--input",
        ShapeOpModels.INPUT,
        "--output",
        ShapeOpModels.OUTPUT);
  }

  @Test
  void conv1dTensordotAndFlatConstantWeightsAreQuantizedOnTheirGrid() throws Exception {
    Path graph = ShapeOpModels.conv1dAndTensordot(dir.resolve("conv1d.pb"));
    Path out = dir.resolve("q");
    Run r = quantize(graph, new long[] {8, 3}, out);

    assertEquals(0, r.status(), r.err());
    Map<String, float[]> weights;
    try (ModelSource model = exported(out, graph)) {
      weights = ExportedWeights.assertOnDeclaredGrid(out, model);
    }
    assertEquals(Set.of("conv1d_kernel", "dense_kernel", "flat_weights"), weights.keySet());
    JsonArray layers = report(out).getAsJsonArray("layers");
    assertEquals(4, layers.get(0).getAsJsonObject().get("channels").getAsInt(), "Conv1D");
    assertEquals(5, layers.get(1).getAsJsonObject().get("channels").getAsInt(), "Tensordot");
    JsonObject flat = layers.get(2).getAsJsonObject();
    assertEquals(3, flat.get("channels").getAsInt(), "the flat constant, per kernel channel");
    assertTrue(flat.get("note").getAsString().startsWith("per channel of the kernel [40, 3]"));
    assertTrue(
        layers.get(0).getAsJsonObject().get("recon_error_adaround").getAsDouble() > 0,
        "the Conv1D learnt from data");
    assertTrue(inspect(graph).out().contains("conv1d_kernel"));
  }

  @Test
  void aConv2dTransposeIsQuantizedPerOutputChannelAndTheConv3dIsReported() throws Exception {
    Path graph = ShapeOpModels.transposeAndConv3d(dir.resolve("deconv.pb"));
    Path out = dir.resolve("q");
    Run r = quantize(graph, new long[] {4, 4, 2}, out);

    assertEquals(0, r.status(), r.err());
    assertTrue(
        r.err().contains("note: not quantized: conv3d_Conv3D (Conv3D): unsupported op"), r.err());
    JsonObject report = report(out);
    assertEquals(
        "unsupported op",
        report
            .getAsJsonArray("not_quantized")
            .get(0)
            .getAsJsonObject()
            .get("reason")
            .getAsString());
    JsonObject deconv = report.getAsJsonArray("layers").get(0).getAsJsonObject();
    assertEquals("Conv2DBackpropInput", deconv.get("op").getAsString());
    assertEquals(3, deconv.get("channels").getAsInt());
    assertEquals(List.of(2), axes(deconv), "[h, w, out, in]: the channels run over out");
    try (ModelSource model = exported(out, graph)) {
      ExportedWeights.assertOnDeclaredGrid(out, model);
      assertEquals(128 * 4, model.read("head_kernel").length);
    }
    Run listed = inspect(graph);
    assertTrue(listed.out().contains("NOT QUANTIZED"), listed.out());
    assertTrue(listed.out().contains("conv3d_Conv3D (Conv3D): unsupported op"), listed.out());
  }

  @Test
  void aLayerInsideAWhileLoopIsReportedAndLeftAsItIs() throws Exception {
    Path graph = ShapeOpModels.whileLoop(dir.resolve("loop.pb"));
    Path out = dir.resolve("q");
    Run r = quantize(graph, new long[] {4}, out);

    assertEquals(0, r.status(), r.err());
    assertTrue(r.err().contains("): inside a while loop"), r.err());
    JsonObject report = report(out);
    assertEquals(2, report.getAsJsonArray("layers").size());
    assertEquals(
        "inside a while loop",
        report
            .getAsJsonArray("not_quantized")
            .get(0)
            .getAsJsonObject()
            .get("reason")
            .getAsString());
    try (ModelSource model = exported(out, graph)) {
      assertEquals(
          Set.of("pre_kernel", "post_kernel"),
          ExportedWeights.assertOnDeclaredGrid(out, model).keySet());
    }
    Run listed =
        run(
            "inspect",
            "--model",
            graph.toString(),
            "--input",
            ShapeOpModels.INPUT,
            "--output",
            ShapeOpModels.OUTPUT,
            "--json");
    JsonObject json = JsonParser.parseString(listed.out().strip()).getAsJsonObject();
    assertEquals(2, json.getAsJsonArray("layers").size());
    assertEquals(1, json.getAsJsonArray("not_quantized").size());
  }
}
