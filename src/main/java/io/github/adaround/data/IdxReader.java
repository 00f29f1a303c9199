package io.github.adaround.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the format of MNIST and Fashion-MNIST), raw or gzip-compressed.
 *
 * <p>Layout: two zero bytes, a type byte, the number of dimensions, each dimension as a big-endian
 * int32, then the values. Only unsigned-byte data (type {@code 0x08}) is supported. The reader
 * checks the magic number, the dimensions and that the content has exactly the announced length.
 */
final class IdxReader {
  private static final int UNSIGNED_BYTE = 0x08;
  private static final int MAX_DIMS = 8;

  private IdxReader() {}

  /** Reads an IDX file, gzip-compressed or not. */
  public static IdxArray read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  /**
   * Reads IDX content from a stream, gzip-compressed or not; {@code source} names it in errors. The
   * stream is not closed.
   */
  public static IdxArray read(InputStream stream, String source) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(stream);
    try {
      return parse(new DataInputStream(Gzip.decompressIfGzip(buffered)), source);
    } catch (EOFException e) {
      throw new DataFileException(source, "truncated IDX file");
    } catch (ZipException e) {
      throw new DataFileException(source, "corrupt gzip data (" + e.getMessage() + ")");
    }
  }

  private static IdxArray parse(DataInputStream in, String source) throws IOException {
    int magic = in.readInt();
    int type = (magic >>> 8) & 0xff;
    int rank = magic & 0xff;
    if ((magic >>> 16) != 0 || rank == 0 || rank > MAX_DIMS) {
      throw new DataFileException(
          source, String.format("not an IDX file (magic number 0x%08X)", magic));
    }
    if (type != UNSIGNED_BYTE) {
      throw new DataFileException(
          source,
          String.format("unsupported IDX data type 0x%02X (expected 0x08, unsigned byte)", type));
    }
    int[] dims = new int[rank];
    long length = 1;
    for (int i = 0; i < rank; i++) {
      dims[i] = in.readInt();
      if (dims[i] < 0) {
        throw new DataFileException(source, "negative IDX dimension " + dims[i]);
      }
      length *= dims[i];
      if (length > Integer.MAX_VALUE - 8) {
        throw new DataFileException(source, "IDX content too large");
      }
    }
    byte[] values = new byte[(int) length];
    in.readFully(values);
    if (in.read() != -1) {
      throw new DataFileException(
          source, "IDX file longer than its dimensions announce (" + length + " values)");
    }
    return new IdxArray(dims, values);
  }
}
