package io.github.adaround.reference;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The folder of PyTorch reference vectors that the {@code torch-parity} tests check against: the
 * system property {@code adaround.vectors.dir}, by default the repository's own copy, {@code
 * src/test/resources/torch-vectors}.
 */
public final class ReferenceVectors {

  public static final String PROPERTY = "adaround.vectors.dir";

  /** The repository's copy of the vectors, relative to the project folder. */
  public static final String DEFAULT_FOLDER = "src/test/resources/torch-vectors";

  private ReferenceVectors() {}

  /**
   * The repository's second set, always replayed besides {@link #folder()}: a per-channel pipeline
   * run with other loss and Adam settings, and a loss group with gradients near {@code FLT_MIN}.
   */
  public static final String PER_CHANNEL_FOLDER = "src/test/resources/torch-vectors-per-channel";

  public static Path folder() {
    return existing(Path.of(System.getProperty(PROPERTY, DEFAULT_FOLDER)));
  }

  /** The folder {@link #PER_CHANNEL_FOLDER}. */
  public static Path perChannelFolder() {
    return existing(Path.of(PER_CHANNEL_FOLDER));
  }

  private static Path existing(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException(
          "reference vectors folder "
              + dir.toAbsolutePath()
              + " does not exist (set -D"
              + PROPERTY
              + ")");
    }
    return dir;
  }

  public static JsonObject read(Path folder, String file) {
    try {
      return JsonParser.parseString(Files.readString(folder.resolve(file), StandardCharsets.UTF_8))
          .getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
