package io.github.adaround.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the Fashion-MNIST files are read from: a folder, or the small subset bundled with the tool
 * (the first 1024 training and 2000 test images) so that it works on a machine without the data.
 */
public sealed interface DatasetLocation {
  /** The folder where the Debian package {@code dataset-fashion-mnist} installs the files. */
  Path DEBIAN_PACKAGE_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  /** The classpath folder of the bundled subset. */
  String BUNDLED_SUBSET = "/fashion-mnist-subset/";

  /** Opens one of the dataset's files. */
  InputStream open(String fileName) throws IOException;

  /** The name of a file as shown in messages. */
  String describe(String fileName);

  /** Where the data comes from, for the user. */
  String description();

  /**
   * Resolves the location: {@code dataDir} when given, else the Debian package's folder when it
   * exists, else the bundled subset.
   *
   * @throws DataFileException when {@code dataDir} is given but is not a folder
   */
  static DatasetLocation resolve(Optional<Path> dataDir) throws DataFileException {
    if (dataDir.isPresent()) {
      Path dir = dataDir.get();
      if (!Files.isDirectory(dir)) {
        throw new DataFileException(dir.toString(), "no such folder");
      }
      return new Folder(dir);
    }
    if (Files.isDirectory(DEBIAN_PACKAGE_DIR)) {
      return new Folder(DEBIAN_PACKAGE_DIR);
    }
    return new BundledSubset();
  }

  /** Files in a folder of the file system. */
  record Folder(Path dir) implements DatasetLocation {
    @Override
    public InputStream open(String fileName) throws IOException {
      Path file = dir.resolve(fileName);
      if (!Files.isRegularFile(file)) {
        throw new DataFileException(file.toString(), "no such file");
      }
      return Files.newInputStream(file);
    }

    @Override
    public String describe(String fileName) {
      return dir.resolve(fileName).toString();
    }

    @Override
    public String description() {
      return "Fashion-MNIST from " + dir;
    }
  }

  /** The subset bundled in the tool's resources. */
  record BundledSubset() implements DatasetLocation {
    @Override
    public InputStream open(String fileName) throws IOException {
      InputStream in = DatasetLocation.class.getResourceAsStream(BUNDLED_SUBSET + fileName);
      if (in == null) {
        throw new DataFileException(describe(fileName), "missing from the tool's resources");
      }
      return in;
    }

    @Override
    public String describe(String fileName) {
      return "bundled subset " + fileName;
    }

    @Override
    public String description() {
      return "the bundled Fashion-MNIST subset (install dataset-fashion-mnist or pass --data-dir"
          + " for the full data)";
    }
  }
}
