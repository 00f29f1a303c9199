package io.github.adaround.cli;

import io.github.adaround.error.UserError;
import io.github.adaround.source.Folders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * An output folder written atomically: content goes to a temporary sibling folder that replaces the
 * target only when complete. An existing non-empty target is kept unless overwriting is asked for.
 */
final class OutputFolder {
  private final Path target;
  private final boolean overwrite;

  private OutputFolder(Path target, boolean overwrite) {
    this.target = target.toAbsolutePath().normalize();
    this.overwrite = overwrite;
  }

  /**
   * Checks that {@code target} may be written.
   *
   * @throws UserError when it is a file, or a non-empty folder and {@code overwrite} is false, or
   *     when its nearest existing parent is a file or not writable
   */
  static OutputFolder check(Path target, boolean overwrite) throws UserError, IOException {
    OutputFolder folder = new OutputFolder(target, overwrite);
    Path existing = folder.target.getParent();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing != null && !Files.isDirectory(existing)) {
      throw new UserError(target + ": cannot be created, " + existing + " is not a folder");
    }
    if (existing != null && !Files.isWritable(existing)) {
      throw new UserError(target + ": cannot be created, " + existing + " is not writable");
    }
    if (Files.exists(folder.target)) {
      if (!Files.isDirectory(folder.target)) {
        throw new UserError(target + ": exists and is not a folder");
      }
      if (!overwrite && !isEmpty(folder.target)) {
        throw new UserError(target + ": folder exists and is not empty (use --force)");
      }
    }
    return folder;
  }

  /** A fresh temporary folder next to the target (not yet created) to write the content into. */
  Path temporary() throws IOException {
    Path parent = target.getParent();
    Files.createDirectories(parent);
    Path staging = Files.createTempDirectory(parent, "." + target.getFileName() + ".");
    Files.delete(staging);
    return staging;
  }

  /** Moves the finished {@code staging} folder into place, replacing what was there. */
  void commit(Path staging) throws IOException, UserError {
    check(target, overwrite);
    if (Files.exists(target)) {
      Path old =
          Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old.");
      Files.delete(old);
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      Folders.deleteRecursively(old);
    } else {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    }
  }
}
