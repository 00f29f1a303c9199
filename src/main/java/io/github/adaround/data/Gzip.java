package io.github.adaround.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Recognises gzip content by its magic bytes. */
final class Gzip {
  private static final int MAGIC_1 = 0x1f;
  private static final int MAGIC_2 = 0x8b;

  private Gzip() {}

  /** Returns a decompressing stream when {@code in} starts with the gzip magic, else {@code in}. */
  static InputStream decompressIfGzip(BufferedInputStream in) throws IOException {
    in.mark(2);
    int first = in.read();
    int second = in.read();
    in.reset();
    if (first == MAGIC_1 && second == MAGIC_2) {
      return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    return in;
  }
}
