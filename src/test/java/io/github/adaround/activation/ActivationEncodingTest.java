package io.github.adaround.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.GraphFixture;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.quantization.FakeQuantWithMinMaxVars;

/** The grid is the one TF's FakeQuantWithMinMaxVars kernel uses, bit for bit. */
class ActivationEncodingTest {

  /** Ranges that need nudging, that start at 0, that end at 0, at several bit widths. */
  private static final float[][] RANGES = {
    {-0.37f, 2.9f}, {0f, 6f}, {-1f, 0f}, {-3.3f, 0.01f}, {0f, 0.123456f}, {-0.5f, 0.5f}
  };

  private static final int[] BITS = {2, 4, 7, 8, 12, 16};

  /** Values across and beyond the range, with the grid's midpoints among them. */
  private static float[] sweep(float lo, float hi) {
    int n = 20_001;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = lo - 1 + (hi - lo + 2) * i / (n - 1);
    }
    return x;
  }

  @Test
  void quantizeIsTheKernelsOutputBitForBit() {
    for (float[] range : RANGES) {
      for (int bits : BITS) {
        ActivationEncoding e = ActivationEncoding.of(range[0], range[1], bits);
        float[] x = sweep(range[0], range[1]);
        try (GraphFixture f = new GraphFixture()) {
          float[] kernel =
              f.floats(
                  f.tf.quantization.fakeQuantWithMinMaxVars(
                      f.constant(Shape.of(x.length), x),
                      f.tf.constant(range[0]),
                      f.tf.constant(range[1]),
                      FakeQuantWithMinMaxVars.numBits((long) bits),
                      FakeQuantWithMinMaxVars.narrowRange(false)));
          for (int i = 0; i < x.length; i++) {
            assertEquals(
                Float.floatToIntBits(kernel[i]),
                Float.floatToIntBits(e.quantize(x[i])),
                () -> e + " differs from the kernel");
          }
        }
      }
    }
  }

  @Test
  void everyOutputIsAnIntegerFromOffsetTimesScaleAndZeroIsExact() {
    for (float[] range : RANGES) {
      for (int bits : BITS) {
        ActivationEncoding e = ActivationEncoding.of(range[0], range[1], bits);
        assertEquals(0f, e.quantize(0f), 0f, e::toString);
        assertEquals(e.min(), e.quantize(Float.NEGATIVE_INFINITY), 0f);
        assertEquals(e.max(), e.quantize(Float.POSITIVE_INFINITY), 0f);
        assertTrue(e.min() <= 0 && e.max() >= 0);
        for (float x : sweep(range[0], range[1])) {
          float q = e.quantize(x);
          long j = Math.round(q / (double) e.scale());
          assertTrue(j >= e.offset() && j <= e.offset() + e.quantMax());
          assertEquals(j * e.scale(), q, 0f);
        }
      }
    }
  }

  @Test
  void offsetIsMinOverScaleAsAimetWritesIt() {
    ActivationEncoding e = ActivationEncoding.of(-0.37f, 2.9f, 8);
    assertEquals(Math.round(e.min() / e.scale()), e.offset());
    assertEquals(e.offset() * e.scale(), e.min(), 0f);
    assertEquals(0, ActivationEncoding.of(0f, 6f, 8).offset());
    assertEquals(-255, ActivationEncoding.of(-1f, 0f, 8).offset());
  }

  @Test
  void refusesRangesWithoutZeroAndBitsOutside2To16() {
    assertThrows(IllegalArgumentException.class, () -> ActivationEncoding.of(0.1f, 1f, 8));
    assertThrows(IllegalArgumentException.class, () -> ActivationEncoding.of(0f, 0f, 8));
    assertThrows(IllegalArgumentException.class, () -> ActivationEncoding.of(-1f, 1f, 1));
    assertThrows(IllegalArgumentException.class, () -> ActivationEncoding.of(-1f, 1f, 17));
  }
}
