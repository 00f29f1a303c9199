package io.github.adaround.source;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.tensorflow.SavedModelBundle;

/**
 * Exports a loaded SavedModel as its format has it: every file of the input folder as it was
 * ({@code saved_model.pb} with its signatures, object graph and saver, assets, {@code
 * keras_metadata.pb}), beside a {@code variables/} that the model's own saver (its saver def's save
 * op, run by {@code Session.save}) writes from the session's current variables. The checkpoint
 * keys, and every variable not written, stay as they were.
 */
final class OwnSaverExport {

  /**
   * Files of the input that are not copied: the checkpoint is written anew, and {@code
   * fingerprint.pb} holds a hash of the old one.
   */
  private static final List<String> NOT_COPIED = List.of("variables", "fingerprint.pb");

  private OwnSaverExport() {}

  /** Writes the model loaded from {@code from} as {@code bundle} to {@code to}. */
  static void export(Path from, SavedModelBundle bundle, Path to) throws IOException {
    copyModelFiles(from, to);
    Path variables = Files.createDirectories(to.resolve("variables"));
    bundle.session().save(variables.resolve("variables").toString());
  }

  private static void copyModelFiles(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a)
              throws IOException {
            if (!d.equals(from) && NOT_COPIED.contains(from.relativize(d).toString())) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(to.resolve(from.relativize(d).toString()));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            if (!NOT_COPIED.contains(from.relativize(f).toString())) {
              Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
