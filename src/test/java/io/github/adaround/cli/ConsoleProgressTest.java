package io.github.adaround.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.block.Block;
import io.github.adaround.export.BlockReport;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quant.Grid;
import io.github.adaround.train.LossReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The console's bar per block names the block's layers and ends with the block's errors. */
class ConsoleProgressTest {

  private static QuantizableLayer layer(String name) {
    return new QuantizableLayer(
        name + "/Conv2D",
        "Conv2D",
        name + "/kernel",
        new long[] {3, 3, 4, 4},
        null,
        "Relu",
        "in:0",
        name + "/Relu:0");
  }

  private static LayerReport report(String name, long changed) {
    return new LayerReport(
        new LayerReport.Layer(
            name + "/Conv2D", "Conv2D", name + "/kernel", new long[] {3, 3, 4, 4}),
        new LayerReport.Scales(Grid.MSE, 3, new float[] {0.1f}, new long[] {1, 1, 1, 1}),
        new LayerReport.Errors(0.4, 0.1),
        new LayerReport.Rounding("adaround", "minibatch", 0, changed, null),
        1.5);
  }

  @Test
  void aBlocksBarNamesItsLayersAndEndsWithItsErrors() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream err = System.err;
    try {
      System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
      ConsoleProgress progress = new ConsoleProgress(10);
      Block block =
          new Block(
              1, List.of("in:0"), List.of("add:0"), List.of(layer("a"), layer("b")), List.of());
      progress.blockStarted(block, 3, 20);
      progress.lossReported(new LossReport(19, 0.1f, 0.01f, 2f));
      progress.blockFinished(
          new BlockReport(
              1,
              List.of("in:0"),
              List.of("add:0"),
              List.of("a/kernel", "b/kernel"),
              3,
              new LayerReport.Errors(0.4, 0.1),
              "adaround"),
          List.of(report("a", 5), report("b", 7)));
    } finally {
      System.setErr(err);
    }
    String out = buffer.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("[block 2/3] a/kernel + b/kernel"), out);
    assertTrue(out.contains("block mse 0.100 (nearest 0.400), 12 changed, 3.0s"), out);
  }
}
