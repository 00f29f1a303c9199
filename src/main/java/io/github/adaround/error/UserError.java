package io.github.adaround.error;

/**
 * Something the user got wrong: a file, a folder, an option value or a model this tool cannot use.
 * The message is one sentence that names the problem; the command line prints it alone, without a
 * stack trace, and exits with status 1. Thrown where input is checked; every other exception is a
 * bug and keeps its stack trace.
 */
public class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message what is wrong, one sentence naming the file, folder or option */
  public UserError(String message) {
    super(message);
  }

  /**
   * @param message what is wrong, one sentence naming the file, folder or option
   * @param cause the exception that revealed it, kept for the log
   */
  public UserError(String message, Throwable cause) {
    super(message, cause);
  }
}
