package io.github.adaround.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  /** An IDX file of unsigned bytes with the given dimensions and values 0, 1, 2, ... */
  static byte[] idx(int type, int[] dims, int valueCount) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + valueCount);
    b.putInt((type << 8) | dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    for (int i = 0; i < valueCount; i++) {
      b.put((byte) (i * 37));
    }
    return b.array();
  }

  static byte[] gzip(byte[] content) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(content);
    }
    return out.toByteArray();
  }

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  @Test
  void readsRawAndGzipFilesAlike() throws IOException {
    byte[] content = idx(0x08, new int[] {3, 2, 4}, 24);
    IdxArray raw = IdxReader.read(write("raw.idx", content));
    IdxArray gz = IdxReader.read(write("gz.idx.gz", gzip(content)));

    assertArrayEquals(new int[] {3, 2, 4}, raw.dims());
    assertEquals(24, raw.size());
    assertEquals((5 * 37) & 0xff, raw.valueAt(5));
    assertEquals(255 & (23 * 37), raw.valueAt(23));
    assertArrayEquals(raw.dims(), gz.dims());
    for (int i = 0; i < raw.size(); i++) {
      assertEquals(raw.valueAt(i), gz.valueAt(i));
    }
  }

  @Test
  void rejectsBadMagicNamingTheFile() throws IOException {
    Path file = write("bad.idx", new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(file));
    assertTrue(e.getMessage().startsWith(file + ": not an IDX file"), e.getMessage());
  }

  @Test
  void rejectsTruncatedContent() throws IOException {
    byte[] content = idx(0x08, new int[] {10, 28, 28}, 10 * 28 * 28);
    Path raw = write("short.idx", Arrays.copyOf(content, content.length - 1));
    Path gz = write("short.idx.gz", gzip(Arrays.copyOf(content, 100)));
    Path cut = write("cut.idx.gz", Arrays.copyOf(gzip(content), 60));

    for (Path file : new Path[] {raw, gz, cut}) {
      DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(file));
      assertTrue(e.getMessage().startsWith(file + ": truncated"), e.getMessage());
    }
  }

  @Test
  void rejectsTrailingBytes() throws IOException {
    byte[] content = idx(0x08, new int[] {4}, 5);
    Path file = write("long.idx", content);
    DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(file));
    assertTrue(e.getMessage().contains("longer than its dimensions"), e.getMessage());
  }

  @Test
  void rejectsDataTypesOtherThanUnsignedByte() throws IOException {
    Path file = write("float.idx", idx(0x0D, new int[] {2}, 8));
    DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(file));
    assertTrue(e.getMessage().contains("unsupported IDX data type 0x0D"), e.getMessage());
  }

  @Test
  void messagesAreOneLine() throws IOException {
    Path file = write("empty.idx", new byte[0]);
    DataFileException e = assertThrows(DataFileException.class, () -> IdxReader.read(file));
    assertEquals(1, e.getMessage().lines().count());
  }
}
