package io.github.adaround.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.activation.ActivationEncoding;
import io.github.adaround.activation.MeasuredRange;
import io.github.adaround.config.EncodingsVersion;
import io.github.adaround.quant.Grid;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code encodings.json} in AIMET's formats, against files written by hand from the formats'
 * definitions: a symmetric signed 4-bit weight grid of scale {@code s} has {@code offset = qmin =
 * -8}, {@code min = -8 s} and {@code max = 7 s}, one entry per channel; an asymmetric 8-bit
 * activation grid of scale 1 with zero point 2 has {@code offset = -2}, {@code min = -2}, {@code
 * max = 253}; an alias repeats its source's entry.
 */
class EncodingsFileTest {

  @TempDir Path dir;

  /** A per-tensor grid of scale 0.5 and a per-channel one of scales 0.25 and 1. */
  static List<LayerReport> layers() {
    return List.of(
        report("dense", "MatMul", "dense/kernel", new long[] {4, 2}, new float[] {0.5f}),
        report("conv", "Conv2D", "conv/kernel", new long[] {1, 1, 3, 2}, new float[] {0.25f, 1f}));
  }

  static LayerReport report(String name, String op, String weight, long[] shape, float[] scale) {
    long[] scaleShape = scale.length == 1 ? new long[0] : new long[] {1, 1, 1, scale.length};
    return new LayerReport(
        new LayerReport.Layer(name, op, weight, shape),
        new LayerReport.Scales(Grid.MSE, 4, scale, scaleShape),
        new LayerReport.Errors(0.25, 0.125),
        new LayerReport.Rounding("adaround", "minibatch", 0.5, 3, null),
        1.5);
  }

  /** {@code relu:0} on the 8-bit grid {@code j * 1}, {@code j} in -2..253. */
  private static final Map<String, MeasuredRange> ACTIVATIONS =
      Map.of(
          "relu:0",
          new MeasuredRange(
              "relu:0", -2f, 253f, new ActivationEncoding(8, -2f, 253f, 1f, 2, -2f, 253f), 40));

  private static final Map<String, String> ALIASES = Map.of("flatten/Reshape:0", "relu:0");

  private String written(EncodingsVersion version) throws IOException {
    Path file = dir.resolve("encodings.json");
    EncodingsFile.write(file, layers(), ACTIVATIONS, ALIASES, version);
    return Files.readString(file);
  }

  private static String golden(String name) throws IOException {
    try (InputStream in = EncodingsFileTest.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void version061KeysEachTensorToAListOfChannelEntries() throws IOException {
    assertEquals(golden("encodings-0.6.1.json"), written(EncodingsVersion.V0_6_1));
  }

  @Test
  void version100ListsEachTensorWithItsScalesAndOffsets() throws IOException {
    assertEquals(golden("encodings-1.0.0.json"), written(EncodingsVersion.V1_0_0));
  }
}
