package io.github.adaround.data;

import java.io.IOException;

/**
 * A data file that cannot be used: wrong magic number, truncated content, unsupported type, wrong
 * shape. The message is one line that starts with the file's name.
 */
public final class DataFileException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * @param source the file (or resource) that is malformed
   * @param reason what is wrong with it, in a few words
   */
  public DataFileException(String source, String reason) {
    super(source + ": " + reason);
  }
}
