package io.github.adaround.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Reconstruction;
import io.github.adaround.data.Calibration;
import io.github.adaround.engine.AdaroundEngine;
import io.github.adaround.engine.EngineListener;
import io.github.adaround.engine.RunState;
import io.github.adaround.error.UserError;
import io.github.adaround.export.LayerReport;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.train.AdaroundRecipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;

/**
 * {@code --reconstruction block} end to end on small models built in Java: every layer lands on its
 * grid, {@code report.json} lists the blocks, a chain's blocks of one layer learn what layer
 * reconstruction learns, runs are deterministic and a residual block's joint training beats
 * rounding to nearest on the block's output.
 */
class BlockReconstructionTest {

  private static final int SAMPLES = 64;

  @TempDir Path dir;

  private static QuantizeConfig config(Reconstruction reconstruction) {
    return QuantizeConfig.DEFAULT.toBuilder()
        .bits(3)
        .perChannel(true)
        .recipe(AdaroundRecipe.PAPER.withIterations(300).withReportEvery(50))
        .reconstruction(reconstruction)
        .build();
  }

  private static Path export(Supplier<BlockModels.Model> build, Path folder) throws Exception {
    try (BlockModels.Model m = build.get()) {
      SavedModelBundle.exporter(folder.toString())
          .withSession(m.session())
          .withSignature(
              Signature.builder("serving_default")
                  .input("x", m.graph().outputOrThrow(BlockModels.Model.INPUT))
                  .output("y", m.graph().outputOrThrow(BlockModels.Model.OUTPUT))
                  .build())
          .export();
    }
    return folder;
  }

  private static Calibration calibration() {
    float[] x = new float[SAMPLES * 8 * 8 * 3];
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextDouble();
    }
    return Calibration.of(x, SAMPLES);
  }

  private static List<LayerReport> quantize(QuantizeConfig config, Path model, Path out)
      throws Exception {
    return new AdaroundEngine(config, EngineListener.SILENT).run(model, calibration(), out);
  }

  /** The block's weights are those of the layers named, in order (the model's scopes). */
  private static void assertWeights(JsonObject block, String... layers) {
    JsonArray weights = block.getAsJsonArray("weights");
    assertEquals(layers.length, weights.size(), block.toString());
    for (int i = 0; i < layers.length; i++) {
      assertTrue(weights.get(i).getAsString().startsWith(layers[i] + "_"), block.toString());
    }
  }

  private static JsonObject report(Path out) throws Exception {
    return JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
  }

  /**
   * The residual model: three blocks (stem; both residual convs; dense), every weight on its grid,
   * each block in report.json with its inputs, outputs, weights and errors.
   */
  @Test
  void everyLayerOfEveryBlockIsOnItsGridAndTheReportListsTheBlocks() throws Exception {
    Path model = export(BlockModels::residual, dir.resolve("model"));
    Path out = dir.resolve("out");
    List<LayerReport> layers = quantize(config(Reconstruction.BLOCK), model, out);

    assertEquals(4, layers.size());
    ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    JsonObject report = report(out);
    assertEquals("block", report.get("reconstruction").getAsString());
    JsonArray blocks = report.getAsJsonArray("blocks");
    assertEquals(3, blocks.size(), blocks.toString());
    JsonObject residual = blocks.get(1).getAsJsonObject();
    assertEquals(1, residual.get("index").getAsInt());
    assertWeights(residual, "res_a", "res_b");
    assertEquals(
        blocks.get(0).getAsJsonObject().get("outputs").toString(),
        residual.get("inputs").toString());
    assertEquals("[\"y:0\"]", blocks.get(2).getAsJsonObject().get("outputs").toString());
    for (int i = 0; i < blocks.size(); i++) {
      JsonObject b = blocks.get(i).getAsJsonObject();
      assertTrue(
          b.get("error_adaround").getAsDouble() <= b.get("error_nearest").getAsDouble(),
          b.toString());
    }
  }

  /**
   * A residual block's layers learnt jointly reach a lower error on the block's output (after the
   * add) than rounding both to nearest.
   */
  @Test
  void jointTrainingOfAResidualBlockBeatsNearest() throws Exception {
    Path model = export(BlockModels::residual, dir.resolve("model"));
    Path out = dir.resolve("out");
    quantize(config(Reconstruction.BLOCK), model, out);

    JsonObject residual = report(out).getAsJsonArray("blocks").get(1).getAsJsonObject();
    assertEquals("adaround", residual.get("rounding").getAsString(), residual.toString());
    assertTrue(
        residual.get("error_adaround").getAsDouble()
            < 0.9 * residual.get("error_nearest").getAsDouble(),
        residual.toString());
  }

  /** Two block runs of the inverted residual give the same files, byte for byte. */
  @Test
  void blockReconstructionIsDeterministic() throws Exception {
    Path model = export(BlockModels::invertedResidual, dir.resolve("model"));
    quantize(config(Reconstruction.BLOCK), model, dir.resolve("a"));
    quantize(config(Reconstruction.BLOCK), model, dir.resolve("b"));

    ExportedWeights.assertOnDeclaredGrid(dir.resolve("a"), "serving_default");
    for (String file :
        List.of(
            "variables/variables.data-00000-of-00001",
            "variables/variables.index",
            "encodings.json")) {
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("a").resolve(file)),
          Files.readAllBytes(dir.resolve("b").resolve(file)),
          file);
    }
    JsonArray blocks = report(dir.resolve("a")).getAsJsonArray("blocks");
    assertEquals(3, blocks.size(), blocks.toString());
    assertWeights(blocks.get(1).getAsJsonObject(), "expand", "dw", "project");
  }

  /**
   * A chain gives blocks of one layer, each ending at its layer's output (after the ReLU, or the
   * flatten of it), so block reconstruction learns what layer reconstruction learns: observed, the
   * same grid integer for every weight of all three layers; the bound leaves room for the two
   * graphs (the model's ops copied, the layer rebuilt) to differ in a last bit somewhere.
   */
  @Test
  void onAChainBlockReconstructionMatchesLayerReconstruction() throws Exception {
    Path model = export(BlockModels::chain, dir.resolve("model"));
    Path layer = dir.resolve("layer");
    Path block = dir.resolve("block");
    quantize(config(Reconstruction.LAYER), model, layer);
    quantize(config(Reconstruction.BLOCK), model, block);

    Map<String, float[]> byLayer = ExportedWeights.assertOnDeclaredGrid(layer, "serving_default");
    Map<String, float[]> byBlock = ExportedWeights.assertOnDeclaredGrid(block, "serving_default");
    assertEquals(3, report(block).getAsJsonArray("blocks").size());
    assertEquals(byLayer.keySet(), byBlock.keySet());
    for (String weight : byLayer.keySet()) {
      float[] a = byLayer.get(weight);
      float[] b = byBlock.get(weight);
      int same = 0;
      for (int i = 0; i < a.length; i++) {
        same += a[i] == b[i] ? 1 : 0;
      }
      System.out.printf("%s: %d of %d weights the same in both modes%n", weight, same, a.length);
      assertTrue(same >= 0.98 * a.length, weight + ": " + same + " of " + a.length);
    }
  }

  /**
   * A block run resumed from a state holding only its first block (its other layers dropped from
   * the state file, as a run killed there leaves it) ends with the bytes of an uninterrupted run,
   * and lists every block again.
   */
  @Test
  void aResumedBlockRunEndsAsAnUninterruptedOne() throws Exception {
    Path model = export(BlockModels::residual, dir.resolve("model"));
    QuantizeConfig config = config(Reconstruction.BLOCK);
    Calibration calibration = calibration();
    RunState state = RunState.of(dir.resolve("state"), model, calibration, config);
    AdaroundEngine engine = new AdaroundEngine(config, EngineListener.SILENT);
    engine.run(model, calibration, dir.resolve("a"), state);
    Path file = dir.resolve("state").resolve("state.json");
    JsonObject recorded = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    JsonArray layers = recorded.getAsJsonArray("layers");
    assertEquals(4, layers.size());
    while (layers.size() > 1) {
      layers.remove(layers.size() - 1);
    }
    Files.writeString(file, recorded.toString());

    engine.run(model, calibration, dir.resolve("b"), state);

    for (String name :
        List.of(
            "variables/variables.data-00000-of-00001",
            "variables/variables.index",
            "encodings.json")) {
      assertArrayEquals(
          Files.readAllBytes(dir.resolve("a").resolve(name)),
          Files.readAllBytes(dir.resolve("b").resolve(name)),
          name);
    }
    JsonArray a = report(dir.resolve("a")).getAsJsonArray("blocks");
    JsonArray b = report(dir.resolve("b")).getAsJsonArray("blocks");
    assertEquals(3, b.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(
          a.get(i).getAsJsonObject().get("error_adaround"),
          b.get(i).getAsJsonObject().get("error_adaround"));
    }
  }

  /** A layer given its own bits is quantized with them in its block, on its own grid. */
  @Test
  void aLayersOwnBitsHoldInItsBlock() throws Exception {
    Path model = export(BlockModels::residual, dir.resolve("model"));
    Path out = dir.resolve("out");
    QuantizeConfig config =
        config(Reconstruction.BLOCK).toBuilder().layerBits(Map.of("res_b_1/kernel", 2)).build();
    List<LayerReport> layers = quantize(config, model, out);

    ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    for (LayerReport layer : layers) {
      assertEquals(
          layer.layer().weight().equals("res_b_1/kernel") ? 2 : 3,
          layer.grid().bits(),
          layer.layer().weight());
    }
  }

  /** The state of a layer run is not resumed by a block run: the fingerprint covers the option. */
  @Test
  void aLayerRunsStateIsNotResumedInBlockMode() throws Exception {
    Path model = export(BlockModels::chain, dir.resolve("model"));
    Calibration calibration = calibration();
    QuantizeConfig layer = config(Reconstruction.LAYER);
    new AdaroundEngine(layer, EngineListener.SILENT)
        .run(
            model,
            calibration,
            dir.resolve("a"),
            RunState.of(dir.resolve("state"), model, calibration, layer));
    QuantizeConfig block = config(Reconstruction.BLOCK);
    RunState state = RunState.of(dir.resolve("state"), model, calibration, block);
    AdaroundEngine engine = new AdaroundEngine(block, EngineListener.SILENT);

    UserError e =
        assertThrows(
            UserError.class, () -> engine.run(model, calibration, dir.resolve("b"), state));
    assertTrue(e.getMessage().contains("had other inputs or options"), e.getMessage());
  }
}
