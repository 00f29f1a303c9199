package io.github.adaround.source;

import java.nio.file.Path;

/** A model folder that cannot be used; the message is one line naming the folder. */
public final class ModelException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * @param dir the model folder
   * @param reason what is wrong, in a few words
   */
  public ModelException(Path dir, String reason) {
    super(dir + ": " + reason);
  }
}
