package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.cli.AdaroundCliTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command's user errors are one sentence on stderr that names the problem, with exit status
 * 1: no stack trace, no Java exception class, and the cheap checks (options, output folder, model)
 * before any data is read.
 */
class UserErrorsTest {
  private static final String MODEL = Path.of("models", "fashion-mnist-cnn").toString();

  /** A qualified Java class name ending in Exception or Error, or an exception's toString(). */
  private static final Pattern JAVA_EXCEPTION =
      Pattern.compile("[a-z]+\\.[a-z.]+[A-Z]\\w*(Exception|Error)|Exception:|\\bat [a-z]+\\.");

  @TempDir Path dir;

  private Path missing;
  private Path noData;
  private Path aFile;
  private Path corrupt;

  @BeforeEach
  void inputs() throws IOException {
    missing = dir.resolve("missing");
    noData = Files.createDirectories(dir.resolve("no-data"));
    aFile = Files.writeString(dir.resolve("a-file"), "x");
    corrupt = Files.createDirectories(dir.resolve("corrupt"));
    Files.write(corrupt.resolve("saved_model.pb"), new byte[] {0, 0, 0, 7, 1});
  }

  private Run quantize(Object model, Object out, String... extra) {
    String[] base = {
      "quantize",
      "--model",
      model.toString(),
      "--out",
      out.toString(),
      "--data-dir",
      noData.toString()
    };
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return run(args);
  }

  @Test
  void aMissingModelIsReportedBeforeAnyDataIsRead() {
    // The data folder holds no data: reading it would be the first error.
    assertSentence(
        quantize(missing, dir.resolve("out")),
        "adaround quantize: " + missing + ": no such folder");
    assertSentence(
        quantize(aFile, dir.resolve("out")),
        "adaround quantize: " + aFile + ": not a frozen GraphDef (its bytes do not parse as one)");
    Run broken = quantize(corrupt, dir.resolve("out"));
    assertSentence(broken, null);
    assertTrue(
        broken.err().startsWith("adaround quantize: " + corrupt + ": saved_model.pb is corrupt"),
        broken.err());
    assertTrue(Files.notExists(dir.resolve("out")));
  }

  @Test
  void theOutputFolderIsCheckedBeforeTheModelAndTheData() {
    Path under = aFile.resolve("out");
    String expected = under + ": cannot be created, " + aFile + " is not a folder";
    assertSentence(quantize(missing, under), "adaround quantize: " + expected);
    assertSentence(
        run("train", "--out", under.toString(), "--data-dir", noData.toString()),
        "adaround train: " + expected);
  }

  @Test
  void missingOrUnreadableInputFilesAreNamed() {
    Path npy = dir.resolve("x.npy");
    assertSentence(
        quantize(MODEL, dir.resolve("out"), "--calibration-npy", npy.toString()),
        "adaround quantize: " + npy + ": no such file");
    assertSentence(
        quantize(MODEL, dir.resolve("out"), "--calibration-npy", noData.toString()),
        "adaround quantize: " + noData + ": no such file");
    assertSentence(
        quantize(MODEL, dir.resolve("out")),
        "adaround quantize: " + noData.resolve("train-images-idx3-ubyte.gz") + ": no such file");
    assertSentence(
        run("eval", "--model", MODEL, "--data-dir", missing.toString()),
        "adaround eval: " + missing + ": no such folder");
    assertSentence(
        run("train", "--out", dir.resolve("m").toString(), "--data-dir", noData.toString()),
        "adaround train: " + noData.resolve("train-images-idx3-ubyte.gz") + ": no such file");
  }

  @Test
  void modelsThatDoNotLoadAreOneSentence() throws IOException {
    Run inspect = run("inspect", "--model", corrupt.toString());
    assertSentence(inspect, null);
    assertTrue(inspect.err().startsWith("adaround inspect: " + corrupt + ": "), inspect.err());
    // A graph without its checkpoint: TF loads it, with uninitialised variables.
    Path noVariables = Files.createDirectories(dir.resolve("no-variables"));
    Files.copy(Path.of(MODEL, "saved_model.pb"), noVariables.resolve("saved_model.pb"));
    String expected =
        noVariables + ": the graph has variables but there is no variables/variables.index";
    assertSentence(run("eval", "--model", noVariables.toString()), "adaround eval: " + expected);
    assertSentence(quantize(noVariables, dir.resolve("out")), "adaround quantize: " + expected);
  }

  @Test
  void optionValuesCheckedBelowTheCommandAreStillUserErrors() {
    // Checked by the recipe, the frozen graph and bench rather than by the option parsing.
    assertSentence(
        quantize(MODEL, dir.resolve("out"), "--batch", "0"),
        "adaround quantize: batch size must be positive, got 0");
    assertSentence(
        quantize(MODEL, dir.resolve("out"), "--learning-rate", "NaN"),
        "adaround quantize: learning rate must be positive, got NaN");
    Path frozen = Path.of("src", "test", "resources", "models", "mlnet-cifar");
    Path graph = frozen.resolve("mlnet-cifar-frozen.pb");
    assertSentence(
        run("inspect", "--model", graph.toString(), "--input", "Input:3", "--output", "Output"),
        "adaround inspect: "
            + graph
            + ": node 'Input' has 1 output, so Input:3 names none (NAME:K counts from 0)");
    assertSentence(
        run("bench", "--inter-op-threads", "-1"),
        "adaround bench: --intra-op-threads and --inter-op-threads must not be negative, got -1");
    assertTrue(Files.notExists(dir.resolve("out")));
    assertTrue(Files.notExists(dir.resolve("out.partial")), "a user error leaves no error log");
  }

  /** One line on stderr, exit status 1, no Java exception; the exact text when given. */
  private static void assertSentence(Run run, String expected) {
    assertEquals(1, run.status(), run.err());
    assertEquals(1, run.err().lines().count(), run.err());
    assertFalse(JAVA_EXCEPTION.matcher(run.err()).find(), run.err());
    if (expected != null) {
      assertEquals(expected + System.lineSeparator(), run.err());
    }
  }
}
