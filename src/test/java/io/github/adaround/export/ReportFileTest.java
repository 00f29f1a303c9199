package io.github.adaround.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.activation.RangeMethod;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.AdaroundRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code report.json} of a run built by hand: the settings, each layer's report in order, what the
 * graph says about the layer (a shared weight, ops the rebuild does not express), and the totals.
 */
class ReportFileTest {

  @TempDir Path dir;

  private static final QuantizeConfig CONFIG =
      QuantizeConfig.DEFAULT.toBuilder()
          .bits(3)
          .perChannel(true)
          .recipe(AdaroundRecipe.PAPER.withIterations(200).withSeed(7))
          .build();

  private static final List<QuantizableLayer> FOUND =
      List.of(
          new QuantizableLayer(
              "dense/MatMul",
              "MatMul",
              "dense/kernel",
              new long[] {4, 2},
              null,
              null,
              "Relu",
              "x:0",
              "dense/Relu:0",
              List.of("tied/MatMul"),
              List.of()),
          new QuantizableLayer(
              "conv/Conv2D",
              "Conv2D",
              "conv/kernel",
              new long[] {1, 1, 3, 2},
              "conv/bias",
              null,
              null,
              "dense/Relu:0",
              "conv/BiasAdd:0",
              List.of(),
              List.of("Sigmoid", "Mul")));

  private JsonObject written(List<LayerReport> layers) throws IOException {
    Path file = dir.resolve("report.json");
    ReportFile.write(file, Path.of("models", "m"), CONFIG, 64, FOUND, List.of(), layers, Map.of());
    return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
  }

  @Test
  void theSettingsComeFirst() throws IOException {
    JsonObject root = written(EncodingsFileTest.layers());

    assertEquals(
        List.of(
            "model",
            "bits",
            "per_channel",
            "grid",
            "rounding",
            "keep_best",
            "reconstruction",
            "calibration_samples",
            "recipe",
            "layers",
            "totals"),
        List.copyOf(root.keySet()));
    assertEquals(Path.of("models", "m").toString(), root.get("model").getAsString());
    assertEquals(3, root.get("bits").getAsInt());
    assertEquals(true, root.get("per_channel").getAsBoolean());
    assertEquals("mse", root.get("grid").getAsString());
    assertEquals("adaround", root.get("rounding").getAsString());
    assertEquals("layer", root.get("reconstruction").getAsString());
    assertEquals(true, root.get("keep_best").getAsBoolean());
    assertEquals(64, root.get("calibration_samples").getAsInt());
    JsonObject recipe = root.getAsJsonObject("recipe");
    assertEquals(
        List.of(
            "iterations",
            "batch",
            "learning_rate",
            "lambda",
            "warm_start",
            "beta_start",
            "beta_end",
            "reduction",
            "seed",
            "objective"),
        List.copyOf(recipe.keySet()));
    assertEquals(200, recipe.get("iterations").getAsInt());
    assertEquals(32, recipe.get("batch").getAsInt());
    assertEquals(7, recipe.get("seed").getAsLong());
    assertEquals("minibatch", recipe.get("objective").getAsString());
    assertFalse(root.has("activations"), "float activations have no activations section");
  }

  @Test
  void eachLayerSaysWhatWasDoneAndWhatTheGraphShows() throws IOException {
    JsonObject root = written(EncodingsFileTest.layers());

    JsonObject dense = root.getAsJsonArray("layers").get(0).getAsJsonObject();
    assertEquals(
        List.of(
            "name",
            "op",
            "weight",
            "shape",
            "grid",
            "bits",
            "channels",
            "recon_error_nearest",
            "recon_error_adaround",
            "soft_share_before_hardening",
            "changed_from_nearest",
            "rounding",
            "objective",
            "shared",
            "seconds"),
        List.copyOf(dense.keySet()));
    assertEquals("dense", dense.get("name").getAsString());
    assertEquals("MatMul", dense.get("op").getAsString());
    assertEquals("dense/kernel", dense.get("weight").getAsString());
    assertEquals("[4,2]", dense.get("shape").toString());
    assertEquals("mse", dense.get("grid").getAsString());
    assertEquals(1, dense.get("channels").getAsInt());
    assertEquals(0.25, dense.get("recon_error_nearest").getAsDouble());
    assertEquals(0.125, dense.get("recon_error_adaround").getAsDouble());
    assertEquals(0.5, dense.get("soft_share_before_hardening").getAsDouble());
    assertEquals(3, dense.get("changed_from_nearest").getAsLong());
    assertEquals("adaround", dense.get("rounding").getAsString());
    assertEquals("minibatch", dense.get("objective").getAsString());
    assertEquals(
        "also read by tied/MatMul; quantized once, with this layer's data",
        dense.get("shared").getAsString());
    assertEquals(1.5, dense.get("seconds").getAsDouble());

    JsonObject conv = root.getAsJsonArray("layers").get(1).getAsJsonObject();
    assertEquals(2, conv.get("channels").getAsInt());
    assertFalse(conv.has("shared"));
    assertEquals(
        "followed by Sigmoid, Mul, which the rebuild does not express; the target is taken"
            + " before it",
        conv.get("not_rebuilt").getAsString());
  }

  @Test
  void aNoteSaysWhyNearestWasKeptAndTheTotalsAddUp() throws IOException {
    LayerReport kept =
        new LayerReport(
            new LayerReport.Layer("dense", "MatMul", "dense/kernel", new long[] {4, 2}),
            new LayerReport.Scales(
                io.github.adaround.quant.Grid.MINMAX, 4, new float[] {0.5f}, new long[0]),
            new LayerReport.Errors(0.25, 0.25),
            new LayerReport.Rounding("nearest", "quadratic", 0.75, 0, "kept nearest"),
            2.0);
    JsonObject root = written(List.of(kept, EncodingsFileTest.layers().get(1)));

    JsonObject dense = root.getAsJsonArray("layers").get(0).getAsJsonObject();
    assertEquals("minmax", dense.get("grid").getAsString());
    assertEquals("nearest", dense.get("rounding").getAsString());
    assertEquals("quadratic", dense.get("objective").getAsString());
    assertEquals("kept nearest", dense.get("note").getAsString());
    JsonObject totals = root.getAsJsonObject("totals");
    assertEquals(
        List.of("layers", "changed_from_nearest", "seconds"), List.copyOf(totals.keySet()));
    assertEquals(2, totals.get("layers").getAsInt());
    assertEquals(3, totals.get("changed_from_nearest").getAsLong());
    assertEquals(3.5, totals.get("seconds").getAsDouble());
  }

  @Test
  void quantizedActivationsAddTheirSettings() throws IOException {
    QuantizeConfig config =
        CONFIG.toBuilder()
            .activations(ActivationConfig.quantized(8, RangeMethod.MSE, 0.5f))
            .build();
    JsonObject root =
        ReportFile.report(Path.of("m"), config, 64, FOUND, EncodingsFileTest.layers(), Map.of());
    JsonObject a = root.getAsJsonObject("activations");
    assertEquals(
        List.of("bits", "range", "reconstruction", "qdrop", "tensors"), List.copyOf(a.keySet()));
    assertEquals(8, a.get("bits").getAsInt());
    assertEquals("mse", a.get("range").getAsString());
    assertEquals("quantized", a.get("reconstruction").getAsString());
    assertEquals(0.5, a.get("qdrop").getAsDouble());
  }
}
