package io.github.adaround.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Calibration samples are checked when they are made. */
class CalibrationTest {

  @Test
  void samplesWithNaNAreRefused() {
    float[] bad = new float[784 * 64];
    bad[784 * 3 + 5] = Float.NaN;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Calibration.of(bad, 64));
    assertEquals("calibration sample 3 contains NaN or Inf", e.getMessage());
  }
}
