package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.demo.TinyDenseModel;
import io.github.adaround.error.UserError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * A bug is not reported as the user's mistake: anything but a user error is one line that says
 * "internal error", exit status 3, its stack trace on stderr with {@code --verbose}, and for {@code
 * quantize} always in {@code OUT.partial/error.log}, which does not get in the way of the next run.
 */
class InternalErrorsTest {
  private static final String NL = System.lineSeparator();

  @TempDir Path dir;

  private Path model;
  private Path npy;

  @BeforeEach
  void inputs() throws IOException {
    model =
        TinyDenseModel.export(
            dir.resolve("model"), new float[] {0.3f, -0.7f, 1.1f, 0.2f, -0.4f, 0.9f, 0.5f, -1.3f});
    npy = dir.resolve("x.npy");
    QuantizeCommandTest.writeNpy(npy, 16, 4);
  }

  /** A command that fails as it is told to: only registered here, beside the real ones. */
  @Command(name = "fail")
  static final class Fail implements Callable<Integer>, ErrorLog.Kept {
    @CommandLine.Parameters(index = "0")
    String how;

    @CommandLine.Option(names = "--log-in")
    Path logFolder;

    private Path log;

    @Override
    public Path errorLog() {
      return log;
    }

    @Override
    public Integer call() throws IOException {
      if (logFolder != null) {
        // As quantize does: the stack trace goes to the state folder, then the error on.
        try {
          return fail();
        } catch (RuntimeException e) {
          log = ErrorLog.write(logFolder, e);
          throw e;
        }
      }
      return fail();
    }

    private Integer fail() throws IOException {
      switch (how) {
        case "bug" -> throw new IllegalStateException("the cache lost a layer");
        case "bare-bug" -> throw new NullPointerException();
        case "error" -> throw new AssertionError("an invariant broke");
        case "argument" -> throw new IllegalArgumentException("an engine precondition failed");
        case "user" -> throw new UserError("--shape must be [N, ...], got []");
        case "io" -> throw new java.nio.file.NoSuchFileException("/data/x.npy");
        default -> {
          return 0;
        }
      }
    }
  }

  private static Run runWithFail(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new AdaroundCli());
    cli.addSubcommand(new Fail());
    int status =
        AdaroundCli.execute(cli, new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  void aBugIsOneLineSayingInternalErrorWithExitStatusThree() {
    Run bug = runWithFail("fail", "bug");
    assertEquals("adaround fail: internal error: the cache lost a layer" + NL, bug.err());
    assertEquals(AdaroundCli.INTERNAL_ERROR, bug.status());
    assertEquals(3, bug.status());

    // An IllegalArgumentException is a broken precondition, not the user's mistake.
    Run argument = runWithFail("fail", "argument");
    assertEquals(
        "adaround fail: internal error: an engine precondition failed" + NL, argument.err());
    assertEquals(3, argument.status());

    Run error = runWithFail("fail", "error");
    assertEquals("adaround fail: internal error: an invariant broke" + NL, error.err());
    assertEquals(3, error.status());

    // Without a message the line still says what happened.
    Run bare = runWithFail("fail", "bare-bug");
    assertEquals("adaround fail: internal error: NullPointerException" + NL, bare.err());
    assertEquals(3, bare.status());
  }

  @Test
  void verbosePrintsTheStackTraceAfterTheLine() {
    for (String[] args :
        List.of(
            new String[] {"fail", "--verbose", "bug"}, new String[] {"--verbose", "fail", "bug"})) {
      Run bug = runWithFail(args);
      assertEquals(3, bug.status(), bug.err());
      List<String> lines = bug.err().lines().toList();
      assertEquals("adaround fail: internal error: the cache lost a layer", lines.get(0));
      assertEquals("java.lang.IllegalStateException: the cache lost a layer", lines.get(1));
      assertTrue(lines.get(2).trim().startsWith("at " + Fail.class.getName()), bug.err());
    }
  }

  @Test
  void userErrorsStayOneSentenceWithExitStatusOneEvenWithVerbose() {
    Run user = runWithFail("fail", "--verbose", "user");
    assertEquals("adaround fail: --shape must be [N, ...], got []" + NL, user.err());
    assertEquals(1, user.status());
    Run io = runWithFail("fail", "--verbose", "io");
    assertEquals("adaround fail: /data/x.npy: no such file or folder" + NL, io.err());
    assertEquals(1, io.status());
  }

  @Test
  void everyCommandTakesVerbose() {
    for (String command : List.of("quantize", "train", "eval", "inspect", "bench")) {
      Run help = run(command, "--help");
      assertEquals(0, help.status(), help.err());
      assertTrue(help.out().contains("--verbose"), command + ": " + help.out());
    }
    Run user =
        run(
            "quantize",
            "--verbose",
            "--model",
            dir.resolve("none").toString(),
            "--out",
            dir.resolve("out").toString());
    assertEquals("adaround quantize: " + dir.resolve("none") + ": no such folder" + NL, user.err());
    assertEquals(1, user.status());
  }

  private Run quantize(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "quantize",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--calibration-npy",
                npy.toString(),
                "--calibration",
                "16",
                "--iterations",
                "5"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void theStackTraceOfAnInternalErrorIsKeptInTheLogTheLineNames() throws IOException {
    Path state = dir.resolve("q.partial");

    Run broken = runWithFail("fail", "--log-in", state.toString(), "bug");

    Path log = state.resolve(ErrorLog.FILE);
    assertEquals(3, broken.status(), broken.err());
    assertEquals(
        "adaround fail: internal error: the cache lost a layer (details in " + log + ")" + NL,
        broken.err());
    String trace = Files.readString(log);
    assertTrue(trace.startsWith("adaround internal error at "), trace);
    assertTrue(trace.contains("java.lang.IllegalStateException: the cache lost a layer"), trace);
    assertTrue(trace.contains("\tat " + Fail.class.getName()), trace);
    try (var files = Files.list(state)) {
      assertEquals(
          List.of("error.log"),
          files.map(f -> f.getFileName().toString()).toList(),
          "the log is written whole, no temporary file is left");
    }
  }

  @Test
  void aDamagedRunStateIsTheUsersToDiscardAndForceStartsOver() throws IOException {
    Path out = dir.resolve("q");
    Path state = Files.createDirectories(dir.resolve("q.partial"));
    Files.writeString(state.resolve("state.json"), "{}");

    Run damaged = quantize(out, "--resume");

    assertEquals(1, damaged.status(), damaged.err());
    assertEquals(
        "adaround quantize: "
            + state.toAbsolutePath().normalize().resolve("state.json")
            + " is not a run state this tool wrote (damaged or edited); start again with --force"
            + NL,
        damaged.err().lines().filter(l -> l.startsWith("adaround")).findFirst().orElse("") + NL);
    assertTrue(Files.notExists(state.resolve(ErrorLog.FILE)), "a user error writes no log");

    Run again = quantize(out, "--force");
    assertEquals(0, again.status(), again.err());
    assertTrue(Files.notExists(state));
  }

  @Test
  void aLeftOverErrorLogIsNoUnfinishedRun() throws IOException {
    Path out = dir.resolve("q");
    Path state = Files.createDirectories(dir.resolve("q.partial"));
    Files.writeString(state.resolve(ErrorLog.FILE), "an earlier failure");

    Run plain = quantize(out);
    assertEquals(0, plain.status(), plain.err());
    assertTrue(Files.notExists(state));

    Path other = Files.createDirectories(dir.resolve("r.partial"));
    Files.writeString(other.resolve(ErrorLog.FILE), "an earlier failure");
    Run resumed = quantize(dir.resolve("r"), "--resume");
    assertEquals(0, resumed.status(), resumed.err());
    assertTrue(Files.notExists(other));
  }

  @Test
  void userErrorsOfQuantizeWriteNoLog() {
    Path out = dir.resolve("q");
    Run user = quantize(out, "--bits", "9");
    assertEquals(1, user.status(), user.err());
    assertTrue(Files.notExists(dir.resolve("q.partial")));
  }
}
