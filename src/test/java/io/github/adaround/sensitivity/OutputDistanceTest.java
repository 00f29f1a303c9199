package io.github.adaround.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** SQNR and KL divergence as their formulas give them on values worked out by hand. */
class OutputDistanceTest {

  @Test
  void sqnrIsSignalOverNoisePowerInDecibels() {
    float[] fp = {3, 4, 0, 0};
    float[] q = {3, 4, 0, 0.5f};
    // signal 25, noise 0.25: 10 log10(100) = 20 dB.
    assertEquals(20, OutputDistance.of(fp, q, 2).sqnrDb(), 1e-9);
    assertEquals(Double.POSITIVE_INFINITY, OutputDistance.of(fp, fp, 2).sqnrDb());
  }

  @Test
  void klIsTheMeanOverSamplesOfTheSoftmaxesDivergence() {
    float[] fp = {0, 0};
    float[] q = {(float) Math.log(3), 0};
    // p = (1/2, 1/2), q = (3/4, 1/4): KL = 1/2 ln(2/3) + 1/2 ln(2).
    double expected = 0.5 * Math.log(2.0 / 3) + 0.5 * Math.log(2);
    assertEquals(expected, OutputDistance.of(fp, q, 2).kl(), 1e-7);
    assertEquals(0, OutputDistance.of(fp, fp, 2).kl(), 0);
  }
}
