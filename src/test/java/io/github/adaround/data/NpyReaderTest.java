package io.github.adaround.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyReaderTest {
  @TempDir Path dir;

  /** A .npy file as numpy writes it: magic, version, padded header dict, then the data. */
  static byte[] npy(int major, String descr, boolean fortran, String shape, byte[] data) {
    String dict =
        "{'descr': '"
            + descr
            + "', 'fortran_order': "
            + (fortran ? "True" : "False")
            + ", 'shape': ("
            + shape
            + "), }";
    int prefix = 6 + 2 + (major == 1 ? 2 : 4);
    int padded = ((prefix + dict.length() + 1 + 63) / 64) * 64 - prefix;
    String header = dict + " ".repeat(padded - dict.length() - 1) + "\n";
    ByteBuffer b =
        ByteBuffer.allocate(prefix + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      b.putShort((short) padded);
    } else {
      b.putInt(padded);
    }
    b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    return b.array();
  }

  static byte[] float32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  @Test
  void readsFloat32AsIs() throws IOException {
    float[] values = {0f, 0.25f, -1.5f, 3e-8f, 1f, 0.5f};
    NpyArray a = NpyReader.read(write("f.npy", npy(1, "<f4", false, "3, 2", float32(values))));
    assertArrayEquals(new long[] {3, 2}, a.shape());
    assertArrayEquals(values, a.values());
  }

  @Test
  void scalesUint8ToUnitRangeInVersion2Files() throws IOException {
    byte[] data = {0, (byte) 255, 51, (byte) 204};
    NpyArray a = NpyReader.read(write("u.npy", npy(2, "|u1", false, "4,", data)));
    assertArrayEquals(new long[] {4}, a.shape());
    assertArrayEquals(new float[] {0f, 1f, 0.2f, 0.8f}, a.values(), 1e-7f);
  }

  @Test
  void checksTheShapeAgainstAModelInput() throws IOException {
    float[] values = new float[2 * 28 * 28];
    Path ok = write("ok.npy", npy(1, "<f4", false, "2, 28, 28, 1", float32(values)));
    Path flat = write("flat.npy", npy(1, "<f4", false, "2, 784", float32(values)));
    long[] input = {-1, 28, 28, 1};

    assertDoesNotThrow(() -> NpyReader.read(ok).requireShape(input));
    DataFileException e =
        assertThrows(DataFileException.class, () -> NpyReader.read(flat).requireShape(input));
    assertEquals(
        flat + ": shape [2, 784] does not match the model input [-1, 28, 28, 1]", e.getMessage());
  }

  @Test
  void aModelWithAFixedBatchTakesAnyNumberOfSamples() throws IOException {
    Path many = write("many.npy", npy(1, "<f4", false, "5, 3", float32(new float[15])));
    Path wide = write("wide.npy", npy(1, "<f4", false, "2, 4", float32(new float[8])));
    long[] fixedBatch = {2, 3};

    assertDoesNotThrow(() -> NpyReader.read(many).requireShape(fixedBatch));
    assertThrows(DataFileException.class, () -> NpyReader.read(wide).requireShape(fixedBatch));
  }

  @Test
  void rejectsMalformedFilesNamingThem() throws IOException {
    byte[] six = float32(1, 2, 3, 4, 5, 6);
    byte[] good = npy(1, "<f4", false, "2, 3", six);
    Path fortran = write("fortran.npy", npy(1, "<f4", true, "2, 3", six));
    Path float64 = write("double.npy", npy(1, "<f8", false, "3,", six));
    Path truncated = write("truncated.npy", Arrays.copyOf(good, good.length - 4));
    Path headerCut = write("header.npy", Arrays.copyOf(good, 20));
    Path notNpy = write("text.npy", "hello, world".getBytes(StandardCharsets.US_ASCII));

    assertRejected(fortran, "Fortran-order");
    assertRejected(float64, "unsupported dtype '<f8'");
    assertRejected(truncated, "truncated");
    assertRejected(headerCut, "truncated .npy header");
    assertRejected(notNpy, "not a .npy file");
  }

  private static void assertRejected(Path file, String reason) {
    DataFileException e = assertThrows(DataFileException.class, () -> NpyReader.read(file));
    assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }
}
