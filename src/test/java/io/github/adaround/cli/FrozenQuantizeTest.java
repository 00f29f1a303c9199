package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyArray;
import io.github.adaround.data.NpyReader;
import io.github.adaround.kws.Agreement;
import io.github.adaround.kws.KeywordSpotter;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/** {@code adaround quantize} and {@code inspect} on the frozen keyword spotter. */
class FrozenQuantizeTest {
  private static final String GRAPH = KeywordSpotter.GRAPH.toString();

  @TempDir Path dir;

  private Run quantize(Path out, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "quantize",
                "--model",
                GRAPH,
                "--input",
                KeywordSpotter.FEATURES,
                "--output",
                KeywordSpotter.SCORES,
                "--out",
                out.toString(),
                "--calibration-npy",
                KeywordSpotter.DIR.resolve("calibration.npy").toString(),
                "--calibration",
                "72"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  /**
   * From the committed features at 4 bits per channel with a few iterations: the export is the
   * input's file name, every weight is on the grid that {@code encodings.json} declares under its
   * constant's name, the report says the batch norm was in the loss, and the quantized graph agrees
   * with the FP32 one on most spoken keywords of voices it was not calibrated on.
   */
  @Test
  void theKeywordSpotterIsQuantizedToAFrozenGraphOfTheSameName() throws Exception {
    Path out = dir.resolve("q");
    Run r = quantize(out, "--per-channel", "--iterations", "30");

    assertEquals(0, r.status(), r.err());
    Path exported = out.resolve("ds-cnn-s-frozen.pb");
    assertTrue(Files.isRegularFile(exported));
    Map<String, float[]> weights;
    try (ModelSource model =
        ModelSources.openFrozen(
            exported, KeywordSpotter.FEATURES, List.of(KeywordSpotter.SCORES), null, Set.of())) {
      weights = ExportedWeights.assertOnDeclaredGrid(out, model);
    }
    assertEquals(10, weights.size());
    assertTrue(weights.containsKey("MobileNet/conv_1/weights"));
    JsonObject first =
        JsonParser.parseString(Files.readString(out.resolve("report.json")))
            .getAsJsonObject()
            .getAsJsonArray("layers")
            .get(0)
            .getAsJsonObject();
    assertEquals(
        "MobileNet/conv_1/batch_norm/FusedBatchNorm",
        first.get("batch_norm_in_loss").getAsString());
    NpyArray holdout = NpyReader.read(KeywordSpotter.DIR.resolve("holdout.npy"));
    try (KeywordSpotter fp = new KeywordSpotter(KeywordSpotter.GRAPH);
        KeywordSpotter quantized = new KeywordSpotter(exported)) {
      int n = Math.toIntExact(holdout.shape()[0]);
      double agreement = Agreement.of(fp, quantized, holdout.values(), n);
      assertTrue(agreement >= 0.75, "top-1 agreement " + agreement);
    }
  }

  /**
   * With {@code --fold-batch-norm} the export holds no {@code FusedBatchNorm} op (each is an
   * identity of the folded layer's output, under its name), and the folded weights it computes with
   * are on the grid that {@code encodings.json} declares.
   */
  @Test
  void foldedBatchNormsLeaveTheExportAndItsWeightsOnTheirGrid() throws Exception {
    Path out = dir.resolve("folded");
    Run r = quantize(out, "--per-channel", "--fold-batch-norm", "--iterations", "10");

    assertEquals(0, r.status(), r.err());
    Path exported = out.resolve("ds-cnn-s-frozen.pb");
    GraphDef graph = GraphDef.parseFrom(Files.readAllBytes(exported));
    assertEquals(
        List.of(),
        graph.getNodeList().stream()
            .filter(n -> n.getOp().startsWith("FusedBatchNorm"))
            .map(NodeDef::getName)
            .toList());
    try (ModelSource model =
        ModelSources.openFrozen(
            exported, KeywordSpotter.FEATURES, List.of(KeywordSpotter.SCORES), null, Set.of())) {
      assertEquals(10, ExportedWeights.assertOnDeclaredGrid(out, model).size());
    }
    NpyArray holdout = NpyReader.read(KeywordSpotter.DIR.resolve("holdout.npy"));
    try (KeywordSpotter fp = new KeywordSpotter(KeywordSpotter.GRAPH);
        KeywordSpotter quantized = new KeywordSpotter(exported)) {
      int n = Math.toIntExact(holdout.shape()[0]);
      double agreement = Agreement.of(fp, quantized, holdout.values(), n);
      assertTrue(agreement >= 0.6, "top-1 agreement " + agreement);
    }
  }

  @Test
  void inspectListsTheBatchNormOfEachLayer() {
    Run r =
        run(
            "inspect",
            "--model",
            GRAPH,
            "--input",
            KeywordSpotter.FEATURES,
            "--output",
            KeywordSpotter.SCORES,
            "--json");

    assertEquals(0, r.status(), r.err());
    JsonObject first =
        JsonParser.parseString(r.out().strip())
            .getAsJsonObject()
            .getAsJsonArray("layers")
            .get(0)
            .getAsJsonObject();
    assertEquals("MobileNet/conv_1/weights", first.get("weight").getAsString());
    assertEquals(
        "MobileNet/conv_1/batch_norm/FusedBatchNorm", first.get("batch_norm").getAsString());
    assertEquals("Relu", first.get("activation").getAsString());
  }

  /**
   * The keyword spotter's input is a string placeholder (the WAV file) and its features are fed at
   * a tensor inside: without --input, inspect lists its one output candidate and asks for the input
   * in one line.
   */
  @Test
  void aFrozenGraphWithoutAFloatPlaceholderNeedsItsInputNamed() {
    Run r = run("inspect", "--model", GRAPH);

    assertEquals(
        "adaround inspect: "
            + GRAPH
            + ": give --input NAME; the graph has no float placeholder"
            + System.lineSeparator(),
        r.err());
    assertEquals(1, r.status());
    assertTrue(r.out().contains("output     labels_softmax"), r.out());
  }

  @Test
  void anUnknownInputNodeIsRefusedBeforeTheData() {
    Run r =
        run(
            "quantize",
            "--model",
            GRAPH,
            "--input",
            "features",
            "--output",
            KeywordSpotter.SCORES,
            "--out",
            dir.resolve("q").toString(),
            "--calibration-npy",
            dir.resolve("absent.npy").toString());

    assertEquals(
        "adaround quantize: "
            + GRAPH
            + ": the graph has no node 'features'"
            + System.lineSeparator(),
        r.err());
    assertEquals(1, r.status());
  }
}
