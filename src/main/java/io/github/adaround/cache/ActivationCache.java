package io.github.adaround.cache;

import io.github.adaround.tf.TensorData;
import io.github.adaround.train.Samples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;

/**
 * A layer's cached activations, one row per calibration sample, with bounded memory: the first rows
 * up to a byte budget stay in memory, the rest go to a temporary file that is deleted on close.
 */
public final class ActivationCache implements Samples, AutoCloseable {

  private final Shape sampleShape;
  private final int sampleSize;
  private final int memoryRows;
  private final Path spillDir;
  private float[] inMemory;
  private Path spillFile;
  private FileChannel spill;
  private int count;

  /**
   * @param sampleShape shape of one row
   * @param rows how many rows will be appended: the memory they take within the budget is taken at
   *     once, so that the rows are never held twice while an array grows
   * @param memoryBytes how many bytes of rows to keep in memory
   * @param spillDir where the spill file goes when the rows do not fit
   */
  public ActivationCache(Shape sampleShape, int rows, long memoryBytes, Path spillDir) {
    this.sampleShape = sampleShape;
    this.sampleSize = Math.toIntExact(sampleShape.size());
    long budgetRows = Math.max(0, memoryBytes / (4L * sampleSize));
    this.memoryRows = (int) Math.min(budgetRows, Integer.MAX_VALUE / Math.max(1, sampleSize));
    this.spillDir = spillDir;
    this.inMemory = new float[Math.min(memoryRows, Math.max(0, rows)) * sampleSize];
  }

  /** Adds {@code n} rows, row-major in {@code rows}. */
  public void append(float[] rows, int n) {
    for (int i = 0; i < n; i++) {
      int row = count + i;
      if (row < memoryRows) {
        ensureMemory(row + 1);
        System.arraycopy(rows, i * sampleSize, inMemory, row * sampleSize, sampleSize);
      } else {
        writeSpilled(row - memoryRows, rows, i * sampleSize);
      }
    }
    count += n;
  }

  private void ensureMemory(int rows) {
    if (inMemory.length < (long) rows * sampleSize) {
      int grown = (int) Math.min(memoryRows, Math.max(rows, 2L * inMemory.length / sampleSize));
      inMemory = Arrays.copyOf(inMemory, grown * sampleSize);
    }
  }

  private void writeSpilled(long row, float[] rows, int offset) {
    try {
      if (spill == null) {
        spillFile = Files.createTempFile(spillDir, "adaround-cache-", ".f32");
        spillFile.toFile().deleteOnExit();
        spill = FileChannel.open(spillFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
      }
      ByteBuffer bytes = ByteBuffer.allocate(4 * sampleSize).order(ByteOrder.LITTLE_ENDIAN);
      bytes.asFloatBuffer().put(rows, offset, sampleSize);
      long position = row * 4L * sampleSize;
      while (bytes.hasRemaining()) {
        position += spill.write(bytes, position);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the activation cache to " + spillDir, e);
    }
  }

  @Override
  public int count() {
    return count;
  }

  @Override
  public Shape sampleShape() {
    return sampleShape;
  }

  /** Rows kept in memory (the rest are on disk). */
  @Override
  public int rowsInMemory() {
    return Math.min(count, memoryRows);
  }

  @Override
  public TFloat32 batch(int[] indices) {
    for (int row : indices) {
      if (row < 0 || row >= count) {
        throw new IndexOutOfBoundsException("row " + row + " of " + count);
      }
    }
    return TensorData.filled(
        Shape.of(indices.length).append(sampleShape),
        tensor -> {
          ByteBuffer bytes = null;
          float[] spilled = null;
          for (int i = 0; i < indices.length; i++) {
            int row = indices[i];
            FloatDataBuffer target = tensor.offset((long) i * sampleSize);
            if (row < memoryRows) {
              target.write(inMemory, row * sampleSize, sampleSize);
            } else {
              if (bytes == null) {
                bytes = ByteBuffer.allocate(4 * sampleSize).order(ByteOrder.LITTLE_ENDIAN);
                spilled = new float[sampleSize];
              }
              readSpilled(row - memoryRows, bytes);
              bytes.asFloatBuffer().get(spilled);
              target.write(spilled);
            }
          }
        });
  }

  private void readSpilled(long row, ByteBuffer bytes) {
    bytes.clear();
    long position = row * 4L * sampleSize;
    try {
      while (bytes.hasRemaining()) {
        int read = spill.read(bytes, position);
        if (read < 0) {
          throw new IOException("activation cache file ended early");
        }
        position += read;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bytes.flip();
  }

  @Override
  public void close() {
    try {
      if (spill != null) {
        spill.close();
        Files.deleteIfExists(spillFile);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
