package io.github.adaround.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.bench.BenchCase;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdaroundCliTest {
  private static final String MODEL = Path.of("models", "fashion-mnist-cnn").toString();
  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  @TempDir Path dir;

  /** The exit status and the text a run printed. */
  record Run(int status, String out, String err) {
    String lastLine() {
      List<String> lines = out.lines().toList();
      return lines.get(lines.size() - 1);
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = AdaroundCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void evalPrintsTheAccuracyAsJsonOnTheLastLine() {
    Run run = run("eval", "--model", MODEL, "--data-dir", SUBSET, "--limit", "500", "--json");

    assertEquals(0, run.status(), run.err());
    JsonObject result = JsonParser.parseString(run.lastLine()).getAsJsonObject();
    assertEquals(500, result.get("samples").getAsInt());
    assertTrue(result.get("accuracy").getAsDouble() >= 0.88, run.lastLine());
  }

  @Test
  void benchTimesTheFiveCasesTheirKernelsAndThePeakAsJson() {
    Run run = run("bench", "--json", "--steps", "1", "--kernels");

    assertEquals(0, run.status(), run.err());
    JsonObject result = JsonParser.parseString(run.lastLine()).getAsJsonObject();
    assertTrue(result.get("peak_gflops_per_s").getAsDouble() > 0, run.lastLine());
    // Which CPU kernels were timed (TF_ENABLE_ONEDNN_OPTS; OneDnnTest reads the variable).
    assertTrue(
        List.of("on", "off", "TF's default").contains(result.get("onednn").getAsString()),
        run.lastLine());
    assertTrue(result.get("session_run_us").getAsDouble() > 0, run.lastLine());
    JsonArray cases = result.getAsJsonArray("cases");
    List<String> names = new ArrayList<>();
    for (var element : cases) {
      JsonObject c = element.getAsJsonObject();
      names.add(c.get("case").getAsString());
      assertTrue(c.get("ms_per_step").getAsDouble() > 0, c.toString());
      assertTrue(c.get("gflops_per_s").getAsDouble() > 0, c.toString());
      assertTrue(c.get("forward_ms").getAsDouble() > 0, c.toString());
      assertTrue(c.get("weight_gradient_ms").getAsDouble() > 0, c.toString());
      // The quadratic objective's step, where the engine would choose it: where a patch has
      // fewer values than a minibatch has output positions (the convolutions, the 16-input Dense).
      BenchCase benchCase =
          BenchCase.ALL.stream()
              .filter(b -> b.name().equals(c.get("case").getAsString()))
              .findFirst()
              .orElseThrow();
      assertEquals(
          benchCase.conv() || benchCase.in() < benchCase.batch(),
          c.has("quadratic_ms_per_step"),
          c.toString());
    }
    // Every case, in order; BenchCaseTest pins their exact names.
    assertEquals(BenchCase.ALL.stream().map(BenchCase::name).toList(), names);
  }

  @Test
  void benchRefusesTorchWithoutPyTorchBeforeTimingAnything() {
    Path python = dir.resolve("no-python");

    assertOneLineError(
        run("bench", "--torch", "--python", python.toString()),
        1,
        "adaround bench: --torch: "
            + python
            + " cannot import torch (apt-get install python3-torch libopenblas0-pthread)");
  }

  @Test
  void inspectListsTheBundledModelsLayersAsJson() {
    Run run = run("inspect", "--model", MODEL, "--json");

    assertEquals(0, run.status(), run.err());
    JsonArray layers = JsonParser.parseString(run.out()).getAsJsonObject().getAsJsonArray("layers");
    assertEquals(5, layers.size());
    JsonObject depthwise = layers.get(1).getAsJsonObject();
    assertEquals("DepthwiseConv2dNative", depthwise.get("op").getAsString());
    assertEquals("dw/depthwise_kernel", depthwise.get("weight").getAsString());
    assertEquals("[3,3,32,1]", depthwise.get("shape").toString());
    assertEquals("dw/bias", depthwise.get("bias").getAsString());
    assertEquals("Relu6", depthwise.get("activation").getAsString());
    assertTrue(layers.get(4).getAsJsonObject().get("activation").isJsonNull());
  }

  @Test
  void userErrorsGiveOneLineOnStderrAndAFailureStatus() throws IOException {
    Path notAModel = Files.createDirectories(dir.resolve("empty"));
    Path badData = Files.createDirectories(dir.resolve("data"));
    Files.writeString(badData.resolve("t10k-images-idx3-ubyte.gz"), "not an idx file");
    Files.writeString(badData.resolve("t10k-labels-idx1-ubyte.gz"), "not an idx file");

    assertOneLineError(
        run("eval", "--model", dir.resolve("missing").toString()),
        1,
        "adaround eval: " + dir.resolve("missing") + ": no such folder");
    assertOneLineError(
        run("inspect", "--model", notAModel.toString()),
        1,
        "adaround inspect: " + notAModel + ": not a SavedModel (no saved_model.pb)");
    assertOneLineError(
        run("eval", "--model", MODEL, "--data-dir", badData.toString()),
        1,
        "adaround eval: "
            + badData.resolve("t10k-images-idx3-ubyte.gz")
            + ": not an IDX file (magic number 0x6E6F7420)");
    assertOneLineError(
        run("eval", "--limit", "10"),
        2,
        "adaround eval: Missing required option: '--model=DIR' (see --help)");
    assertOneLineError(
        run("eval", "--model", MODEL, "--limit", "0"),
        1,
        "adaround eval: --limit must be at least 1");
  }

  @Test
  void trainRefusesToOverwriteANonEmptyFolder() throws IOException {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path kept = Files.writeString(out.resolve("keep.txt"), "mine");

    assertOneLineError(
        run("train", "--out", out.toString(), "--data-dir", SUBSET),
        1,
        "adaround train: " + out + ": folder exists and is not empty (use --force)");
    assertEquals("mine", Files.readString(kept));
  }

  @Test
  void trainWritesALoadableModelAtomicallyAndReportsItsAccuracy() throws IOException {
    Path out = dir.resolve("model");
    Run train =
        run(
            "train",
            "--out",
            out.toString(),
            "--data-dir",
            SUBSET,
            "--epochs",
            "1",
            "--batch-size",
            "128",
            "--seed",
            "3");

    assertEquals(0, train.status(), train.err());
    assertTrue(train.lastLine().contains("test top-1 accuracy"), train.out());
    try (Stream<Path> siblings = Files.list(dir)) {
      assertEquals(List.of(out), siblings.toList(), "no temporary folder is left behind");
    }
    Run eval = run("eval", "--model", out.toString(), "--data-dir", SUBSET, "--json");
    assertEquals(0, eval.status(), eval.err());
    JsonObject result = JsonParser.parseString(eval.lastLine()).getAsJsonObject();
    assertEquals(2000, result.get("samples").getAsInt());
    assertTrue(
        train
            .lastLine()
            .contains(String.format("%.4f on 2000 images", result.get("accuracy").getAsDouble())),
        train.out());
  }

  @Test
  void trainBuildsTheBatchNormArchitectures() throws IOException {
    for (String architecture : List.of("residual", "mobilenetv2")) {
      Path out = dir.resolve(architecture);
      Run train =
          run(
              "train",
              "--architecture",
              architecture,
              "--out",
              out.toString(),
              "--data-dir",
              SUBSET,
              "--epochs",
              "1",
              "--batch-size",
              "128");
      assertEquals(0, train.status(), train.err());
      assertTrue(train.lastLine().startsWith("Trained " + architecture + " in"), train.out());
      Run eval = run("eval", "--model", out.toString(), "--data-dir", SUBSET, "--json");
      assertEquals(0, eval.status(), eval.err());
      assertEquals(
          2000,
          JsonParser.parseString(eval.lastLine()).getAsJsonObject().get("samples").getAsInt());
    }
  }

  @Test
  void trainRejectsAnUnknownArchitecture() {
    assertOneLineError(
        run(
            "train",
            "--architecture",
            "vgg",
            "--out",
            dir.resolve("m").toString(),
            "--data-dir",
            SUBSET),
        1,
        "adaround train: --architecture: unknown architecture vgg; one of cnn, residual,"
            + " mobilenetv2");
  }

  @Test
  void everyCommandHasHelp() {
    for (String command : List.of("train", "eval", "inspect")) {
      Run run = run(command, "--help");
      assertEquals(0, run.status());
      assertTrue(run.out().startsWith("Usage: adaround " + command), run.out());
    }
  }

  private static void assertOneLineError(Run run, int status, String message) {
    assertEquals(status, run.status(), run.err());
    assertEquals(message + System.lineSeparator(), run.err());
  }
}
