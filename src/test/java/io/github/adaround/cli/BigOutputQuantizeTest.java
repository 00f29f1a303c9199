package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.source.ExportedWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A segmentation U-Net whose last layer outputs 124 classes per pixel (64x64: 2 MB per sample, 72
 * MB over the calibration samples) quantized within {@code --cache-mb 4}: its Conv2DTranspose is
 * quantized per output channel, every weight lands on its grid, and spilling the activations to
 * disk changes where they are kept, not the result. A file of fewer samples than the default
 * --calibration is taken whole, an eighth as many held back.
 */
class BigOutputQuantizeTest {
  @TempDir Path dir;

  @Test
  void aUnetWithBigOutputsIsQuantizedWithinASmallCacheAsWithALargeOne() throws Exception {
    Path model = UnetModel.write(dir.resolve("unet"), 64, 124);
    Path npy = dir.resolve("calibration.npy");
    Random random = new Random(11);
    float[] samples = new float[40 * 64 * 64 * 3];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = random.nextFloat();
    }
    NpyFiles.writeFloats(npy, new long[] {40, 64, 64, 3}, samples);

    Path small = dir.resolve("small");
    Run r = quantize(model, npy, small, "4");
    assertEquals(0, r.status(), r.err());
    Path large = dir.resolve("large");
    assertEquals(0, quantize(model, npy, large, "2048").status());

    JsonObject report =
        JsonParser.parseString(Files.readString(small.resolve("report.json"))).getAsJsonObject();
    assertEquals(
        35,
        report.get("calibration_samples").getAsInt(),
        "without --calibration, eight ninths of a file's 40 samples; the rest are held back");
    JsonArray layers = report.getAsJsonArray("layers");
    assertEquals(6, layers.size(), "every layer of the U-Net");
    JsonObject up = layers.get(3).getAsJsonObject();
    assertEquals("Conv2DBackpropInput", up.get("op").getAsString());
    assertEquals(8, up.get("channels").getAsInt(), "the kernel [3, 3, 8, 16] has 8 outputs");
    assertEquals(2, up.getAsJsonArray("channel_axes").get(0).getAsInt());
    assertEquals(124, layers.get(5).getAsJsonObject().get("channels").getAsInt());
    ExportedWeights.assertOnDeclaredGrid(small, "serving_default");
    for (String file :
        new String[] {
          "variables/variables.data-00000-of-00001", "variables/variables.index", "encodings.json"
        }) {
      assertTrue(ExportedWeights.sameFile(small, large, file), file + " differs");
    }
  }

  private static Run quantize(Path model, Path npy, Path out, String cacheMb) {
    return run(
        "quantize",
        "--model",
        model.toString(),
        "--calibration-npy",
        npy.toString(),
        "--out",
        out.toString(),
        "--per-channel",
        "--iterations",
        "20",
        "--batch",
        "4",
        "--cache-mb",
        cacheMb);
  }
}
