package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.source.ExportedWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quantize --reconstruction layer|block} from the command line. */
class BlockReconstructionCliTest {
  private static final String MODEL = Path.of("models", "fashion-mnist-cnn").toString();
  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  @TempDir Path dir;

  private Run quantize(Path out, String reconstruction) {
    return run(
        "quantize",
        "--model",
        MODEL,
        "--out",
        out.toString(),
        "--data-dir",
        SUBSET,
        "--calibration",
        "64",
        "--iterations",
        "50",
        "--per-channel",
        "--bits",
        "3",
        "--reconstruction",
        reconstruction);
  }

  /**
   * Block mode on the bundled chain: every weight on its grid, and report.json with the five
   * blocks.
   */
  @Test
  void blockModeReportsEachBlockAndItsLayers() throws Exception {
    Path out = dir.resolve("out");
    Run r = quantize(out, "BLOCK");

    assertEquals(0, r.status(), r.err());
    ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    JsonObject report =
        JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
    assertEquals("block", report.get("reconstruction").getAsString());
    JsonArray blocks = report.getAsJsonArray("blocks");
    assertEquals(5, blocks.size());
    JsonObject second = blocks.get(1).getAsJsonObject();
    assertEquals("[\"conv1/MaxPool:0\"]", second.get("inputs").toString());
    assertEquals("[\"dw/Relu6:0\"]", second.get("outputs").toString());
    assertEquals("[\"dw/depthwise_kernel\"]", second.get("weights").toString());
    assertTrue(second.get("seconds").getAsDouble() > 0);
    assertTrue(
        second.get("error_adaround").getAsDouble() <= second.get("error_nearest").getAsDouble());
  }

  /** Layer mode says so in report.json and lists no blocks. */
  @Test
  void layerModeListsNoBlocks() throws Exception {
    Path out = dir.resolve("out");
    Run r = quantize(out, "layer");

    assertEquals(0, r.status(), r.err());
    JsonObject report =
        JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
    assertEquals("layer", report.get("reconstruction").getAsString());
    assertTrue(!report.has("blocks"));
  }
}
