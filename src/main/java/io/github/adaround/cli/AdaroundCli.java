package io.github.adaround.cli;

import io.github.adaround.data.DataFileException;
import io.github.adaround.error.UserError;
import io.github.adaround.source.ModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.tensorflow.exceptions.TensorFlowException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The {@code adaround} command line: {@code quantize}, {@code train}, {@code eval}, {@code inspect}
 * and {@code bench}.
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
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class AdaroundCli implements Runnable {
  /** Exit status of user errors: bad files, folders or option values. */
  static final int USER_ERROR = 1;

  @Override
  public void run() {
    throw new ParameterException(new CommandLine(this), "missing command (see --help)");
  }

  /**
   * Runs the tool with {@code out} and {@code err} as its stdout and stderr; returns its status.
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new AdaroundCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(AdaroundCli::reportBadOptions);
    cli.setExecutionExceptionHandler(AdaroundCli::reportFailure);
    return cli.execute(args);
  }

  /** Entry point. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    System.exit(execute(out, err, args));
  }

  private static int reportBadOptions(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    command
        .getErr()
        .println(
            command.getCommandSpec().qualifiedName() + ": " + e.getMessage() + " (see --help)");
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  private static int reportFailure(Exception e, CommandLine command, ParseResult parsed)
      throws Exception {
    String prefix = command.getCommandSpec().qualifiedName() + ": ";
    if (e instanceof UserException
        || e instanceof UserError
        || e instanceof ModelException
        || e instanceof DataFileException) {
      command.getErr().println(prefix + e.getMessage());
    } else if (e instanceof IOException io) {
      command.getErr().println(prefix + IoErrorMessage.of(io));
    } else if (e instanceof UncheckedIOException io) {
      command.getErr().println(prefix + IoErrorMessage.of(io.getCause()));
    } else if (e instanceof TensorFlowException) {
      command
          .getErr()
          .println(prefix + "TensorFlow could not run the model: " + firstLine(e.getMessage()));
    } else {
      throw e;
    }
    return USER_ERROR;
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
