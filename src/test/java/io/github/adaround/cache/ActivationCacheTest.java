package io.github.adaround.cache;

import static io.github.adaround.tf.GraphFixture.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.adaround.tf.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** The cache keeps at most its budget in memory and reads spilled rows back exactly. */
class ActivationCacheTest {

  @Test
  void rowsBeyondTheBudgetSpillToDiskAndReadBackExactly(@TempDir Path dir) throws Exception {
    Shape sample = Shape.of(3, 2);
    float[] values = randn(1, 50 * 6);
    float[] fromDisk;
    try (ActivationCache cache = new ActivationCache(sample, 50, 10 * 6 * 4, dir)) {
      cache.append(values, 20);
      cache.append(java.util.Arrays.copyOfRange(values, 20 * 6, 50 * 6), 30);
      assertEquals(50, cache.count());
      assertEquals(10, cache.rowsInMemory());
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(1, files.count(), "one spill file");
      }
      int[] rows = {49, 0, 9, 10, 33, 9};
      try (TFloat32 batch = cache.batch(rows)) {
        assertEquals(Shape.of(6, 3, 2), batch.shape());
        fromDisk = TensorData.floats(batch);
      }
      for (int i = 0; i < rows.length; i++) {
        assertArrayEquals(
            java.util.Arrays.copyOfRange(values, rows[i] * 6, rows[i] * 6 + 6),
            java.util.Arrays.copyOfRange(fromDisk, i * 6, i * 6 + 6),
            "row " + rows[i]);
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertFalse(files.findAny().isPresent(), "the spill file is deleted on close");
    }
  }
}
