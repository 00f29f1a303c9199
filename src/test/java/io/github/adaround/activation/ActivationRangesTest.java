package io.github.adaround.activation;

import static io.github.adaround.tf.GraphFixture.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.error.UserError;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Ranges from calibration values: min-max, MSE, SQNR. */
class ActivationRangesTest {

  /** Two tensors, "relu" (non-negative, one outlier) and "signed", in batches of 1000. */
  private static TensorBatches batches(float[] relu, float[] signed) {
    return (tensors, sink) -> {
      for (int start = 0; start < relu.length; start += 1000) {
        List<float[]> values = new ArrayList<>();
        for (String t : tensors) {
          float[] all = t.equals("relu") ? relu : signed;
          values.add(Arrays.copyOfRange(all, start, start + 1000));
        }
        sink.accept(values);
      }
    };
  }

  private static float[] reluWithOutlier() {
    float[] x = randn(3, 10_000);
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.max(0, x[i]);
    }
    x[1234] = 40f;
    return x;
  }

  private static double sqnr(float[] x, ActivationEncoding e) {
    double s = 0;
    double n = 0;
    for (float v : x) {
      double d = v - e.quantize(v);
      s += (double) v * v;
      n += d * d;
    }
    return 10 * Math.log10(s / n);
  }

  @Test
  void minMaxTakesTheExtremesAndReluOutputsStartAtZero() {
    float[] relu = reluWithOutlier();
    float[] signed = randn(4, 10_000);
    Map<String, MeasuredRange> r =
        ActivationRanges.measure(
            batches(relu, signed), List.of("relu", "signed"), 8, RangeMethod.MINMAX);
    assertEquals(List.of("relu", "signed"), List.copyOf(r.keySet()));
    ActivationEncoding e = r.get("relu").encoding();
    assertEquals(0f, e.rawMin(), 0f);
    assertEquals(40f, e.rawMax(), 0f);
    assertEquals(0, e.zeroPoint());
    float lo = Float.MAX_VALUE;
    float hi = -Float.MAX_VALUE;
    for (float v : signed) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    assertEquals(lo, r.get("signed").encoding().rawMin(), 0f);
    assertEquals(hi, r.get("signed").encoding().rawMax(), 0f);
    assertEquals(sqnr(relu, e), r.get("relu").sqnrDb(), 1e-9);
  }

  @Test
  void mseClipsTheOutlierAndGainsSqnrOverMinMax() {
    float[] relu = reluWithOutlier();
    float[] signed = randn(4, 10_000);
    for (int bits : new int[] {4, 8}) {
      Map<String, MeasuredRange> minMax =
          ActivationRanges.measure(
              batches(relu, signed), List.of("relu", "signed"), bits, RangeMethod.MINMAX);
      Map<String, MeasuredRange> mse =
          ActivationRanges.measure(
              batches(relu, signed), List.of("relu", "signed"), bits, RangeMethod.MSE);
      // At 4 bits the outlier costs less clipped than the grid it would stretch.
      assertTrue(mse.get("relu").encoding().rawMax() < (bits == 4 ? 20f : 40.0001f));
      assertEquals(0f, mse.get("relu").encoding().rawMin(), 0f);
      for (String t : List.of("relu", "signed")) {
        assertTrue(
            mse.get(t).sqnrDb() >= minMax.get(t).sqnrDb(),
            t + " at " + bits + " bits: " + mse.get(t) + " vs " + minMax.get(t));
      }
    }
  }

  @Test
  void fewerBitsGiveLowerSqnr() {
    float[] relu = reluWithOutlier();
    float[] signed = randn(4, 10_000);
    double previous = Double.POSITIVE_INFINITY;
    for (int bits : new int[] {16, 8, 6, 4, 2}) {
      double sqnr =
          ActivationRanges.measure(batches(relu, signed), List.of("signed"), bits, RangeMethod.MSE)
              .get("signed")
              .sqnrDb();
      assertTrue(sqnr < previous, bits + " bits");
      previous = sqnr;
    }
  }

  @Test
  void anAllZeroTensorIsHeldExactlyAndANanIsRefused() {
    float[] zeros = new float[10_000];
    MeasuredRange r =
        ActivationRanges.measure(batches(zeros, zeros), List.of("relu"), 8, RangeMethod.MSE)
            .get("relu");
    assertEquals(0f, r.encoding().quantize(0f), 0f);
    assertEquals(Double.POSITIVE_INFINITY, r.sqnrDb());
    float[] nan = new float[10_000];
    nan[5] = Float.NaN;
    assertThrows(
        UserError.class,
        () -> ActivationRanges.measure(batches(nan, nan), List.of("relu"), 8, RangeMethod.MINMAX));
  }
}
