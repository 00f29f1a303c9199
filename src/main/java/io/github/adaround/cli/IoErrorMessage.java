package io.github.adaround.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * A failed file operation as the user reads it: the file and what is wrong with it, in words
 * ({@code /data/x: permission denied}), never the JDK's exception class.
 */
final class IoErrorMessage {

  private IoErrorMessage() {}

  static String of(IOException e) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      String message = f.getFile() + ": " + problem(f);
      return f.getOtherFile() == null ? message : message + " (with " + f.getOtherFile() + ")";
    }
    String reason = e.getMessage();
    return reason == null || reason.isBlank()
        ? "a file could not be read or written"
        : "a file could not be read or written: " + reason;
  }

  private static String problem(FileSystemException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or folder";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "folder is not empty";
    }
    if (e instanceof NotDirectoryException) {
      return "not a folder";
    }
    String reason = e.getReason();
    return reason == null || reason.isBlank()
        ? "cannot be read or written"
        : reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
  }
}
