package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.config.LayerBitsFile;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.source.ExportedWeights;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sensitivity} measures every layer at every width and draws it; {@code quantize
 * --weight-budget} chooses widths within the budget, writes them, and puts every weight on the grid
 * of its own width.
 */
class MixedPrecisionTest {
  @TempDir Path dir;
  private Path model;
  private Path npy;

  @BeforeEach
  void model() throws Exception {
    model = InputsModels.twoInputs(dir.resolve("model"));
    Random random = new Random(5);
    float[] images = new float[45 * 8 * 8];
    float[] features = new float[45 * 7];
    for (int i = 0; i < images.length; i++) {
      images[i] = random.nextFloat();
    }
    for (int i = 0; i < features.length; i++) {
      features[i] = random.nextFloat();
    }
    npy = dir.resolve("image.npy");
    NpyFiles.writeFloats(npy, new long[] {45, 8, 8, 1}, images);
    NpyFiles.writeFloats(dir.resolve("features.npy"), new long[] {45, 7}, features);
  }

  private String[] calibration() {
    return new String[] {
      "--calibration-npy",
      "image=" + npy,
      "--calibration-npy",
      "features=" + dir.resolve("features.npy")
    };
  }

  @Test
  void sensitivityMeasuresEachLayerAtEachWidthAndDrawsIt() throws Exception {
    Path out = dir.resolve("s");
    String[] args = {
      "sensitivity",
      "--model",
      model.toString(),
      "--out",
      out.toString(),
      "--bits",
      "2,4,8",
      "--per-channel"
    };
    Run r = run(concat(args, calibration()));

    assertEquals(0, r.status(), r.err());
    JsonObject root =
        JsonParser.parseString(Files.readString(out.resolve("sensitivity.json"))).getAsJsonObject();
    JsonArray layers = root.getAsJsonArray("layers");
    assertEquals(3, layers.size(), "every layer of the model");
    for (JsonElement e : layers) {
      JsonObject byBits = e.getAsJsonObject().getAsJsonObject("by_bits");
      assertEquals(java.util.Set.of("2", "4", "8"), byBits.keySet());
      double at2 = byBits.getAsJsonObject("2").get("sqnr_db").getAsDouble();
      double at8 = byBits.getAsJsonObject("8").get("sqnr_db").getAsDouble();
      assertTrue(at8 > at2 + 20, e + ": 8 bits far closer to FP than 2");
    }
    assertFalse(root.getAsJsonArray("front").isEmpty());
    BufferedImage png = ImageIO.read(out.resolve("sensitivity.png").toFile());
    assertNotNull(png, "a PNG");
    assertEquals(1200, png.getWidth());
  }

  @Test
  void aWeightBudgetChoosesWidthsWithinItAndPutsEachWeightOnItsGrid() throws Exception {
    Path out = dir.resolve("q");
    String[] args = {
      "quantize",
      "--model",
      model.toString(),
      "--out",
      out.toString(),
      "--per-channel",
      "--iterations",
      "20",
      "--weight-budget",
      "5"
    };
    Run r = run(concat(args, calibration()));

    assertEquals(0, r.status(), r.err());
    Map<String, Integer> chosen = LayerBitsFile.read(out.resolve(QuantizeCommand.BITS_FILE));
    assertEquals(java.util.Set.of("img/kernel", "feat/kernel", "head/kernel"), chosen.keySet());
    Map<String, float[]> weights = ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    long bits = 0;
    long count = 0;
    for (Map.Entry<String, float[]> w : weights.entrySet()) {
      bits += (long) w.getValue().length * chosen.get(w.getKey());
      count += w.getValue().length;
    }
    assertTrue(bits <= 5 * count, "within 5 bits per weight on average: " + chosen);
    JsonObject params =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json")))
            .getAsJsonObject()
            .getAsJsonObject("param_encodings");
    chosen.forEach(
        (w, b) ->
            assertEquals(
                b,
                params.getAsJsonArray(w).get(0).getAsJsonObject().get("bitwidth").getAsInt(),
                w));
  }

  @Test
  void aBudgetBelowTwoBitsPerWeightIsRefusedBeforeAnythingIsMeasured() {
    Path out = dir.resolve("q");
    String[] args = {
      "quantize", "--model", model.toString(), "--out", out.toString(), "--weight-budget", "10B"
    };
    Run r = run(concat(args, calibration()));

    assertEquals(1, r.status());
    assertEquals(
        "adaround quantize: --weight-budget 10B is below 2 bits per weight for the 98 weights of"
            + " the model (25 bytes)",
        r.err().strip());
  }

  private static String[] concat(String[] a, String[] b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }
}
