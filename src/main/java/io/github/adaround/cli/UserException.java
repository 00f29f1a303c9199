package io.github.adaround.cli;

/** A mistake of the user's (a bad option value, an existing output folder): one line, no trace. */
final class UserException extends Exception {
  private static final long serialVersionUID = 1L;

  UserException(String message) {
    super(message);
  }
}
