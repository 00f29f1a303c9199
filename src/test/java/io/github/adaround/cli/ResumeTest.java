package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run killed with SIGKILL and resumed ends with the bytes of an uninterrupted run. */
class ResumeTest {
  private static final String MODEL = Path.of("models", "fashion-mnist-cnn").toString();
  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  @TempDir Path dir;

  private static List<String> args(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "quantize",
                "--model",
                MODEL,
                "--out",
                out.toString(),
                "--data-dir",
                SUBSET,
                "--calibration",
                "128",
                "--iterations",
                "300",
                "--per-channel",
                "--bits",
                "3"));
    args.addAll(List.of(extra));
    return args;
  }

  private static Map<String, String> digests(Path folder) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = folder.relativize(f).toString();
        if (name.startsWith("variables") || name.equals("encodings.json")) {
          out.put(
              name,
              HexFormat.of()
                  .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
        }
      }
    }
    return out;
  }

  private static int finishedLayers(Path state) {
    try {
      return JsonParser.parseString(Files.readString(state))
          .getAsJsonObject()
          .getAsJsonArray("layers")
          .size();
    } catch (Exception e) {
      return 0;
    }
  }

  @Test
  void aRunKilledAtSixtyPercentResumesToTheBytesOfAnUninterruptedRun() throws Exception {
    Path whole = dir.resolve("whole");
    Run uninterrupted = run(args(whole).toArray(String[]::new));
    assertEquals(0, uninterrupted.status(), uninterrupted.err());

    Path out = dir.resolve("killed");
    Path state = dir.resolve("killed.partial").resolve("state.json");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(AdaroundCli.class.getName());
    command.addAll(args(out));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("killed.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (finishedLayers(state) < 3 && process.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertTrue(process.isAlive(), "the run must still be going at 3 of 5 layers");
    process.destroyForcibly().waitFor(); // SIGKILL
    assertEquals(3, finishedLayers(state));
    assertFalse(Files.exists(out), "a killed run leaves no output that looks finished");

    Run refused = run(args(out).toArray(String[]::new));
    assertEquals(1, refused.status());
    assertTrue(refused.err().contains("add --resume to continue it"), refused.err());
    Run otherOptions = run(args(out, "--resume", "--seed", "9").toArray(String[]::new));
    assertEquals(1, otherOptions.status());
    assertTrue(otherOptions.err().contains("had other inputs or options"), otherOptions.err());

    Run resumed = run(args(out, "--resume").toArray(String[]::new));
    assertEquals(0, resumed.status(), resumed.err());
    assertEquals(digests(whole), digests(out));
    assertFalse(Files.exists(dir.resolve("killed.partial")), "the state is removed when done");
  }
}
