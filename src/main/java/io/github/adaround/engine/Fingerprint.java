package io.github.adaround.engine;

import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.data.Calibration;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * SHA-256 of everything that decides a run's result: the model's files, the calibration samples and
 * the options.
 */
final class Fingerprint {

  private Fingerprint() {}

  static String of(Path modelDir, Calibration calibration, QuantizeConfig config)
      throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(modelDir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    byte[] buffer = new byte[1 << 16];
    for (Path file : files) {
      digest.update(modelDir.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
      try (InputStream in = Files.newInputStream(file)) {
        for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
          digest.update(buffer, 0, n);
        }
      }
    }
    digest.update(floats(calibration.samples()));
    digest.update(floats(calibration.heldBack()));
    // Neither the cache size nor the allowed ops change the result.
    QuantizeConfig options = config.toBuilder().cacheBytes(0).allowedOps(Set.of()).build();
    digest.update(options.toString().getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest.digest());
  }

  private static ByteBuffer floats(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b;
  }
}
