package io.github.adaround.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.adaround.error.UserError;
import org.junit.jupiter.api.Test;

/** Calibration samples are checked when they are made. */
class CalibrationTest {

  @Test
  void samplesWithNaNAreRefused() {
    float[] bad = new float[784 * 64];
    bad[784 * 3 + 5] = Float.NaN;
    UserError e = assertThrows(UserError.class, () -> Calibration.of(bad, 64));
    assertEquals("calibration sample 3 contains NaN or Inf", e.getMessage());
  }
}
