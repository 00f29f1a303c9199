package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.demo.TinyDenseModel;
import io.github.adaround.source.ExportedWeights;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adaround quantize} as a user runs it. */
class QuantizeCommandTest {
  private static final String MODEL = Path.of("models", "fashion-mnist-cnn").toString();
  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  @TempDir Path dir;

  private Run quantize(Path out, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of("quantize", "--model", MODEL, "--out", out.toString(), "--data-dir", SUBSET));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  /** The records of a TensorBoard event file (TFRecord framing: length, crc, data, crc). */
  private static List<String> eventRecords(Path file) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<String> records = new java.util.ArrayList<>();
    while (bytes.remaining() >= 12) {
      int length = Math.toIntExact(bytes.getLong());
      bytes.getInt();
      byte[] data = new byte[length];
      bytes.get(data);
      bytes.getInt();
      records.add(new String(data, StandardCharsets.ISO_8859_1));
    }
    return records;
  }

  @Test
  void writesTheModelEncodingsReportAndLossCurvesAtomically() throws IOException {
    Path out = dir.resolve("q");
    Run r =
        quantize(out, "--per-channel", "--bits", "3", "--iterations", "10", "--calibration", "64");

    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("dense1/kernel"), r.out());
    assertEquals("wrote " + out, r.lastLine());
    for (String file : List.of("saved_model.pb", "variables", "encodings.json", "report.json")) {
      assertTrue(Files.exists(out.resolve(file)), file);
    }
    try (Stream<Path> siblings = Files.list(dir)) {
      assertEquals(List.of(out), siblings.toList(), "no temporary folder is left behind");
    }
    Path events;
    try (Stream<Path> logs = Files.list(out.resolve("logs"))) {
      events =
          logs.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents"))
              .findFirst()
              .orElseThrow();
    }
    List<String> records = eventRecords(events);
    for (String tag :
        List.of(
            "conv1/kernel/reconstruction",
            "dw/depthwise_kernel/regularization",
            "logits/kernel/beta")) {
      assertTrue(records.stream().anyMatch(rec -> rec.contains(tag)), tag + " in the event file");
    }
  }

  @Test
  void enumOptionsTakeTheirValuesInAnyCaseAndTheHelpListsThem() {
    // Each value is taken; the run then stops at the first check after parsing.
    assertOneLine(
        quantize(
            dir.resolve("fresh"),
            "--grid",
            "MinMax",
            "--storage",
            "CODES",
            "--objective",
            "Quadratic",
            "--encodings-version",
            "1.0.0",
            "--bits",
            "9"),
        "adaround quantize: --bits must be in 2..8, got 9");
    Run help = run("quantize", "--help");
    assertEquals(0, help.status(), help.err());
    String text = help.out().replaceAll("\\s+", " ");
    for (String values :
        List.of(
            "--grid=minmax|mse Scale choice, one of minmax, mse:",
            "one of minibatch, quadratic.",
            "one of float, codes.",
            "--activation-range=mse|minmax Activation ranges, one of minmax, mse:",
            "one of 0.6.1, 1.0.0 (default: 0.6.1)")) {
      assertTrue(text.contains(values), values + " in " + text);
    }
  }

  @Test
  void badOptionsAndInputsGiveOneLineAndLeaveTheOutputAlone() throws IOException {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path kept = Files.writeString(out.resolve("keep.txt"), "mine");
    Path npy = Files.write(dir.resolve("bad.npy"), new byte[] {1, 2, 3});

    assertOneLine(
        quantize(out),
        "adaround quantize: " + out + ": folder exists and is not empty (use --force)");
    Path fresh = dir.resolve("fresh");
    assertOneLine(
        quantize(fresh, "--bits", "9"), "adaround quantize: --bits must be in 2..8, got 9");
    assertOneLine(
        quantize(fresh, "--iterations", "0"), "adaround quantize: --iterations must be at least 1");
    assertBadValue(
        quantize(fresh, "--grid", "best"),
        "adaround quantize: Invalid value for option '--grid': expected one of minmax, mse but was"
            + " 'best' (see --help)");
    assertBadValue(
        quantize(fresh, "--objective", "fullbatch"),
        "adaround quantize: Invalid value for option '--objective': expected one of minibatch,"
            + " quadratic but was 'fullbatch' (see --help)");
    assertBadValue(
        quantize(fresh, "--reconstruction", "net"),
        "adaround quantize: Invalid value for option '--reconstruction': expected one of layer,"
            + " block but was 'net' (see --help)");
    assertOneLine(
        quantize(fresh, "--reconstruction", "block", "--fold-batch-norm"),
        "adaround quantize: --reconstruction block keeps each batch norm in the block it trains;"
            + " drop --fold-batch-norm");
    assertBadValue(
        quantize(fresh, "--storage", "int4"),
        "adaround quantize: Invalid value for option '--storage': expected one of float, codes but"
            + " was 'int4' (see --help)");
    assertOneLine(
        quantize(fresh, "--calibration", "5000"),
        "adaround quantize: the training split holds 1024 samples, --calibration asks for 5000");
    Run badNpy = quantize(fresh, "--calibration-npy", npy.toString());
    assertEquals(1, badNpy.status());
    assertTrue(badNpy.err().startsWith("adaround quantize: " + npy), badNpy.err());
    assertEquals(1, badNpy.err().lines().count(), badNpy.err());
    assertEquals("mine", Files.readString(kept));
    assertTrue(Files.notExists(fresh));
  }

  @Test
  void modelsThatCannotBeQuantizedAreRefusedInOneLine() throws IOException {
    float[] nan = new float[8];
    nan[5] = Float.NaN;
    Path poisoned = TinyDenseModel.export(dir.resolve("nan"), nan);
    Path plain = TinyDenseModel.export(dir.resolve("plain"), null);
    Path npy = dir.resolve("x.npy");
    writeNpy(npy, 16, 4);
    Path fresh = dir.resolve("fresh");

    assertOneLine(
        quantizeNpy(poisoned.toString(), npy.toString()),
        "adaround quantize: layer y: weight 'dense/kernel' contains NaN or Inf");
    assertOneLine(
        quantizeNpy(plain.toString(), npy.toString()),
        "adaround quantize: "
            + plain
            + ": no quantizable layers (Conv2D, DepthwiseConv2dNative or MatMul on a variable)");
    Path wide = dir.resolve("wide.npy");
    writeNpy(wide, 16, 5);
    Run misfit = quantizeNpy(poisoned.toString(), wide.toString());
    assertEquals(1, misfit.status(), misfit.err());
    assertTrue(misfit.err().contains("does not match the model input [-1, 4]"), misfit.err());
    assertOneLine(
        quantizeNpy(dir.resolve("missing").toString(), npy.toString()),
        "adaround quantize: " + dir.resolve("missing") + ": no such folder");
    assertOneLine(
        quantize(fresh, "--signature", "predict"),
        "adaround quantize: " + MODEL + ": no signature 'predict'");
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Run unwritable = quantize(file.resolve("out"));
    assertEquals(1, unwritable.status(), unwritable.err());
    assertEquals(1, unwritable.err().lines().count(), unwritable.err());
    assertTrue(unwritable.err().startsWith("adaround quantize: "), unwritable.err());
    assertTrue(Files.notExists(fresh));
  }

  /**
   * A model whose batch is fixed at 8 takes 20 calibration samples (and 2 held back): the last
   * batches are padded, and the padding enters no cache, loss or check, so the result is the one of
   * the same model taking any batch size.
   */
  @Test
  void aFixedBatchModelTakesAnyNumberOfSamples() throws Exception {
    float[] weights = {0.3f, -0.7f, 0.11f, 0.52f, -0.25f, 0.9f, -0.05f, 0.61f};
    Path fixed = TinyDenseModel.export(dir.resolve("fixed"), weights, 8);
    Path any = TinyDenseModel.export(dir.resolve("any"), weights, -1);
    Path npy = dir.resolve("x.npy");
    writeNpy(npy, 22, 4);

    List<String> options =
        List.of("--calibration", "20", "--iterations", "40", "--per-channel", "--bits", "2");
    Run fromFixed = quantizeNpyTo(fixed, npy, dir.resolve("q-fixed"), options);
    Run fromAny = quantizeNpyTo(any, npy, dir.resolve("q-any"), options);

    assertEquals(0, fromFixed.status(), fromFixed.err());
    assertEquals(0, fromAny.status(), fromAny.err());
    assertEquals(
        Files.readString(dir.resolve("q-any").resolve("encodings.json")),
        Files.readString(dir.resolve("q-fixed").resolve("encodings.json")));
    assertEquals(
        reconstructionErrors(dir.resolve("q-any")), reconstructionErrors(dir.resolve("q-fixed")));
    assertEquals(
        ExportedWeights.assertOnDeclaredGrid(dir.resolve("q-any"), "serving_default")
            .values()
            .stream()
            .map(java.util.Arrays::toString)
            .toList(),
        ExportedWeights.assertOnDeclaredGrid(dir.resolve("q-fixed"), "serving_default")
            .values()
            .stream()
            .map(java.util.Arrays::toString)
            .toList());
  }

  /** Each layer's reconstruction errors in report.json: means over the calibration samples. */
  private static List<String> reconstructionErrors(Path out) throws IOException {
    List<String> errors = new java.util.ArrayList<>();
    for (var layer :
        JsonParser.parseString(Files.readString(out.resolve("report.json")))
            .getAsJsonObject()
            .getAsJsonArray("layers")) {
      JsonObject o = layer.getAsJsonObject();
      errors.add(o.get("recon_error_nearest") + " " + o.get("recon_error_adaround"));
    }
    return errors;
  }

  private static Run quantizeNpyTo(Path model, Path npy, Path out, List<String> options) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "quantize",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--calibration-npy",
                npy.toString()));
    args.addAll(options);
    return run(args.toArray(String[]::new));
  }

  /** Quantizes {@code model} into a fresh folder, calibrated on 16 rows of {@code npy}. */
  private Run quantizeNpy(Object model, Object npy) {
    return run(
        "quantize",
        "--model",
        model.toString(),
        "--out",
        dir.resolve("fresh").toString(),
        "--calibration-npy",
        npy.toString(),
        "--calibration",
        "16");
  }

  /** A float32 .npy of {@code n} rows of {@code width} values in [0, 1). */
  static void writeNpy(Path file, int n, int width) throws IOException {
    float[] values = new float[n * width];
    for (int i = 0; i < values.length; i++) {
      values[i] = (i % 7) / 7f;
    }
    NpyFiles.writeFloats(file, new long[] {n, width}, values);
  }

  /** An option value picocli refuses: one line naming the option and its values, status 2. */
  private static void assertBadValue(Run run, String message) {
    assertEquals(message + System.lineSeparator(), run.err());
    assertEquals(2, run.status(), run.err());
  }

  private static void assertOneLine(Run run, String message) {
    assertEquals(message + System.lineSeparator(), run.err());
    assertEquals(1, run.status(), run.err());
  }
}
