package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.config.LayerBitsFile;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.source.ExportedWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quantize --bits-per-layer FILE}: each named layer on a grid of its own width, the others
 * at {@code --bits}; {@code encodings.json}, {@code report.json} and the codes storage carry each
 * layer's width; a file that names no weight of the model, or is not of the shape, is refused in
 * one sentence before any data is read.
 */
class BitsPerLayerTest {
  @TempDir Path dir;
  private Path model;
  private Path npy;

  @BeforeEach
  void model() throws Exception {
    model = InputsModels.anySizeImages(dir.resolve("model"));
    Random random = new Random(2);
    float[] samples = new float[36 * 12 * 12 * 3];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = random.nextFloat();
    }
    npy = dir.resolve("calibration.npy");
    NpyFiles.writeFloats(npy, new long[] {36, 12, 12, 3}, samples);
  }

  private Run quantize(Path out, Path bits, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "quantize",
                "--model",
                model.toString(),
                "--calibration-npy",
                npy.toString(),
                "--out",
                out.toString(),
                "--per-channel",
                "--iterations",
                "30",
                "--bits",
                "4",
                "--bits-per-layer",
                bits.toString()));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void eachNamedLayerIsQuantizedAtItsOwnWidthAndTheOthersAtBits() throws Exception {
    Path bits = dir.resolve("bits.json");
    LayerBitsFile.write(bits, Map.of("c1/kernel", 8));
    Path out = dir.resolve("q");

    Run r = quantize(out, bits);

    assertEquals(0, r.status(), r.err());
    Map<String, float[]> weights = ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    assertEquals(2, weights.size());
    assertEquals(Map.of("c1/kernel", 8, "c2/kernel", 4), encodedBits(out));
    JsonArray layers = report(out).getAsJsonArray("layers");
    assertEquals(8, layers.get(0).getAsJsonObject().get("bits").getAsInt());
    assertEquals(4, layers.get(1).getAsJsonObject().get("bits").getAsInt());
  }

  @Test
  void theCodesStorageHoldsEachLayerAtItsWidth() throws Exception {
    Path bits = dir.resolve("bits.json");
    LayerBitsFile.write(bits, Map.of("c1/kernel", 2, "c2/kernel", 8));
    Path out = dir.resolve("q");

    Run r = quantize(out, bits, "--storage", "codes");

    assertEquals(0, r.status(), r.err());
    assertEquals(Map.of("c1/kernel", 2, "c2/kernel", 8), encodedBits(out));
    Map<String, float[]> weights = ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    assertTrue(distinct(weights.get("c1/kernel")) <= 4 * 4, "2 bits: 4 levels per channel");
    assertTrue(distinct(weights.get("c2/kernel")) > 16, "8 bits: more than 4-bit's levels");
  }

  @Test
  void aFileNamingNoWeightOfTheModelIsRefusedWithTheWeightsItHas() throws Exception {
    Path bits = dir.resolve("bits.json");
    LayerBitsFile.write(bits, Map.of("conv9/kernel", 3));
    Path out = dir.resolve("q");

    Run r = quantize(out, bits);

    assertEquals(1, r.status());
    assertEquals(
        "adaround quantize: the bits per layer name 'conv9/kernel', which is not a quantized"
            + " weight of the model (its weights: c1/kernel, c2/kernel)",
        r.err().strip());
    assertFalse(Files.exists(out));
  }

  @Test
  void aFileOfAnotherShapeOrAWidthOutOfRangeIsRefusedInOneSentence() throws Exception {
    Path bits = dir.resolve("bits.json");
    Files.writeString(bits, "{\"c1/kernel\": 3}");
    Run shape = quantize(dir.resolve("q"), bits);
    assertEquals(1, shape.status());
    assertTrue(shape.err().strip().endsWith("must hold {\"layers\": {\"WEIGHT\": BITS, ...}}"));

    LayerBitsFile.write(bits, Map.of("c1/kernel", 9));
    Run range = quantize(dir.resolve("q"), bits);
    assertEquals(1, range.status());
    assertEquals(
        "adaround quantize: the bits of 'c1/kernel' must be in 2..8, got 9", range.err().strip());
  }

  private static Map<String, Integer> encodedBits(Path out) throws Exception {
    JsonObject params =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json")))
            .getAsJsonObject()
            .getAsJsonObject("param_encodings");
    Map<String, Integer> bits = new java.util.TreeMap<>();
    for (Map.Entry<String, JsonElement> e : params.entrySet()) {
      bits.put(
          e.getKey(),
          e.getValue().getAsJsonArray().get(0).getAsJsonObject().get("bitwidth").getAsInt());
    }
    return bits;
  }

  private static JsonObject report(Path out) throws Exception {
    return JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
  }

  private static long distinct(float[] values) {
    java.util.Set<Float> seen = new java.util.HashSet<>();
    for (float v : values) {
      seen.add(v);
    }
    return seen.size();
  }
}
