package io.github.adaround.cli;

import io.github.adaround.bench.BenchCommand;
import io.github.adaround.data.DataFileException;
import io.github.adaround.error.UserError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.tensorflow.exceptions.TensorFlowException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code adaround} command line: {@code quantize}, {@code train}, {@code eval}, {@code inspect}
 * and {@code bench}.
 *
 * <p>What the user got wrong (a {@link UserError}, a malformed data file, a file that cannot be
 * read or written, a model TensorFlow cannot run) is one line on stderr and exit status {@value
 * #USER_ERROR}. Anything else is a bug: one line saying so, exit status {@value #INTERNAL_ERROR},
 * and its stack trace on stderr with {@code --verbose} (and, for {@code quantize}, always in the
 * run's state folder).
 */
@Command(
    name = "adaround",
    mixinStandardHelpOptions = true,
    version = "adaround 0.1.0",
    description = "AdaRound post-training quantization for TensorFlow SavedModels, from Java.",
    subcommands = {
      TrainCommand.class,
      QuantizeCommand.class,
      EvalCommand.class,
      InspectCommand.class,
      SensitivityCommand.class,
      WorkerCommand.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class AdaroundCli implements Runnable {
  /** Exit status of user errors: bad files, folders or option values. */
  static final int USER_ERROR = 1;

  /** Exit status of internal errors: bugs, whose stack trace is kept. */
  static final int INTERNAL_ERROR = 3;

  static final String VERBOSE = "--verbose";

  @Option(
      names = VERBOSE,
      scope = ScopeType.INHERIT,
      description = "On an internal error, also print its stack trace.")
  private boolean verbose;

  @Override
  public void run() {
    throw new ParameterException(new CommandLine(this), "missing command (see --help)");
  }

  /**
   * Runs the tool with {@code out} and {@code err} as its stdout and stderr; returns its status.
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return execute(new CommandLine(new AdaroundCli()), out, err, args);
  }

  /** Runs {@code cli}, a command line of {@link AdaroundCli}, with the tool's error handling. */
  static int execute(CommandLine cli, PrintWriter out, PrintWriter err, String... args) {
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(AdaroundCli::reportBadOptions);
    cli.setExecutionExceptionHandler((e, command, parsed) -> reportFailure(e, command, parsed));
    try {
      return cli.execute(args);
    } catch (Error e) {
      // picocli hands only Exceptions to the handler; an Error is a bug of the command run.
      ParseResult parsed = cli.getParseResult();
      CommandLine command = cli;
      for (ParseResult p = parsed; p != null; p = p.subcommand()) {
        command = p.commandSpec().commandLine();
      }
      return reportFailure(e, command, parsed);
    }
  }

  /** Entry point. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(execute(out, err, args));
  }

  /**
   * The one line a user error is reported as, or null when {@code e} is no user error but a bug.
   */
  static String userMessage(Throwable e) {
    if (e instanceof UserError || e instanceof DataFileException) {
      return e.getMessage();
    }
    if (e instanceof IOException io) {
      return IoErrorMessage.of(io);
    }
    if (e instanceof UncheckedIOException io) {
      return IoErrorMessage.of(io.getCause());
    }
    if (e instanceof OutOfMemoryError) {
      return "out of Java heap ("
          + (Runtime.getRuntime().maxMemory() >> 20)
          + " MiB): lower --cache-mb (or --batch), or give Java more heap"
          + " (ADAROUND_JAVA_OPTS=-Xmx...)";
    }
    if (e instanceof TensorFlowException) {
      return "TensorFlow could not run the model: " + firstLine(e.getMessage());
    }
    return null;
  }

  private static int reportBadOptions(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    command
        .getErr()
        .println(
            command.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see --help)");
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  private static int reportFailure(Throwable e, CommandLine command, ParseResult parsed) {
    PrintWriter err = command.getErr();
    String prefix = command.getCommandSpec().qualifiedName() + ": ";
    String message = userMessage(e);
    if (message != null) {
      err.println(prefix + message);
      return USER_ERROR;
    }
    Path log = command.getCommand() instanceof ErrorLog.Kept kept ? kept.errorLog() : null;
    err.println(
        prefix
            + "internal error: "
            + describe(e)
            + (log == null ? "" : " (details in " + log + ")"));
    if (verbose(parsed)) {
      e.printStackTrace(err);
    }
    err.flush();
    return INTERNAL_ERROR;
  }

  /** The exception's message, or its kind where it has none (a bug report needs something). */
  private static String describe(Throwable e) {
    String message = firstLine(e.getMessage());
    return message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption(VERBOSE)) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
