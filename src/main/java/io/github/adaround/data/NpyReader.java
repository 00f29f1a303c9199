package io.github.adaround.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads NumPy {@code .npy} files (format versions 1, 2 and 3).
 *
 * <p>Float32 data ({@code <f4}, {@code >f4}) is returned as is; unsigned-byte data ({@code |u1}) is
 * scaled from [0, 255] to [0, 1]. Only C order is accepted. The header's shape must account for
 * exactly the bytes that follow it.
 */
public final class NpyReader {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private NpyReader() {}

  /** Reads a {@code .npy} file. */
  public static NpyArray read(Path file) throws IOException {
    String source = file.toString();
    if (!Files.isRegularFile(file)) {
      throw new DataFileException(source, "no such file");
    }
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    for (byte b : MAGIC) {
      if (!bytes.hasRemaining() || bytes.get() != b) {
        throw new DataFileException(source, "not a .npy file (bad magic)");
      }
    }
    if (bytes.remaining() < 2) {
      throw new DataFileException(source, "truncated .npy header");
    }
    int major = bytes.get();
    bytes.get(); // minor version: no difference in layout
    if (major < 1 || major > 3) {
      throw new DataFileException(source, "unsupported .npy format version " + major);
    }
    int headerLength;
    if (major == 1) {
      headerLength = bytes.remaining() < 2 ? -1 : Short.toUnsignedInt(bytes.getShort());
    } else {
      headerLength = bytes.remaining() < 4 ? -1 : bytes.getInt();
    }
    if (headerLength < 0 || headerLength > bytes.remaining()) {
      throw new DataFileException(source, "truncated .npy header");
    }
    byte[] headerBytes = new byte[headerLength];
    bytes.get(headerBytes);
    String header =
        new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    return new NpyArray(source, parseShape(header, source), readValues(header, bytes, source));
  }

  private static long[] parseShape(String header, String source) throws DataFileException {
    String shapeText = find(SHAPE, header, "shape", source).trim();
    if (shapeText.isEmpty()) {
      return new long[0];
    }
    String[] parts = shapeText.split(",");
    int rank = parts[parts.length - 1].isBlank() ? parts.length - 1 : parts.length;
    long[] shape = new long[rank];
    try {
      for (int i = 0; i < rank; i++) {
        shape[i] = Long.parseLong(parts[i].trim().replace("L", ""));
      }
    } catch (NumberFormatException e) {
      throw new DataFileException(source, "malformed .npy shape (" + shapeText + ")");
    }
    return shape;
  }

  private static float[] readValues(String header, ByteBuffer data, String source)
      throws DataFileException {
    if (find(FORTRAN, header, "fortran_order", source).equals("True")) {
      throw new DataFileException(
          source, "Fortran-order arrays are not supported; save in C order");
    }
    long[] shape = parseShape(header, source);
    long count = 1;
    for (long d : shape) {
      count *= d;
    }
    String descr = find(DESCR, header, "descr", source);
    int itemSize =
        switch (descr) {
          case "<f4", ">f4" -> Float.BYTES;
          case "|u1", "<u1", ">u1" -> 1;
          default ->
              throw new DataFileException(
                  source, "unsupported dtype '" + descr + "' (expected float32 or uint8)");
        };
    if (count * itemSize != data.remaining()) {
      throw new DataFileException(
          source,
          "data has "
              + data.remaining()
              + " bytes but shape and dtype need "
              + count * itemSize
              + (count * itemSize > data.remaining() ? " (truncated)" : ""));
    }
    float[] values = new float[(int) count];
    if (itemSize == Float.BYTES) {
      data.order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(values);
    } else {
      for (int i = 0; i < values.length; i++) {
        values[i] = (data.get() & 0xff) / 255f;
      }
    }
    return values;
  }

  private static String find(Pattern pattern, String header, String key, String source)
      throws DataFileException {
    Matcher m = pattern.matcher(header);
    if (!m.find()) {
      throw new DataFileException(source, "malformed .npy header (no '" + key + "')");
    }
    return m.group(1);
  }
}
