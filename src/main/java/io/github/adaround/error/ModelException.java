package io.github.adaround.error;

import java.nio.file.Path;

/** A model folder or file that cannot be used; the message is one line naming it. */
public final class ModelException extends UserError {
  private static final long serialVersionUID = 1L;

  /**
   * @param dir the model folder or file
   * @param reason what is wrong, in a few words
   */
  public ModelException(Path dir, String reason) {
    super(dir + ": " + reason);
  }

  /**
   * @param dir the model folder or file
   * @param reason what is wrong, in a few words
   * @param cause the exception that revealed it, kept for the log
   */
  public ModelException(Path dir, String reason, Throwable cause) {
    super(dir + ": " + reason, cause);
  }
}
