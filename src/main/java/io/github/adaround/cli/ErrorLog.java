package io.github.adaround.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * The stack trace of an internal error, kept in a file for the bug report: written whole to a
 * temporary file beside it, then moved over it, so a reader never sees half of it.
 */
final class ErrorLog {
  /** The log's name in its folder. */
  static final String FILE = "error.log";

  /** A command that may have written the log of its failure. */
  interface Kept {
    /** The log written for the last failure, or null when none was. */
    Path errorLog();
  }

  private ErrorLog() {}

  /**
   * Writes {@code error}'s stack trace to {@code folder}/{@value #FILE}, creating the folder.
   *
   * @return the log, or null when it could not be written (the error itself matters more)
   */
  static Path write(Path folder, Throwable error) {
    Path temporary = null;
    try {
      StringWriter text = new StringWriter();
      try (PrintWriter w = new PrintWriter(text)) {
        w.println(
            "adaround internal error at "
                + Instant.now()
                + " (Java "
                + Runtime.version()
                + ", "
                + System.getProperty("os.name")
                + " "
                + System.getProperty("os.arch")
                + ")");
        error.printStackTrace(w);
      }
      Files.createDirectories(folder);
      temporary = Files.createTempFile(folder, "." + FILE, ".tmp");
      Files.writeString(temporary, text.toString(), StandardCharsets.UTF_8);
      Path log = folder.resolve(FILE);
      Files.move(
          temporary, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return log;
    } catch (IOException | RuntimeException | Error e) {
      // The log is only a help: the error itself is reported without it, never replaced.
      error.addSuppressed(e);
      if (temporary != null) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException | RuntimeException ignored) {
          // nothing more to do
        }
      }
      return null;
    }
  }
}
