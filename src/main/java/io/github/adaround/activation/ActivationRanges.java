package io.github.adaround.activation;

import io.github.adaround.error.UserError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses each activation tensor's encoding from the calibration data, in up to three runs over it:
 * the min-max range of every tensor; for {@link RangeMethod#MSE} a histogram of {@link #BINS} bins
 * over that range and the {@link RangeSearch}; then each tensor's SQNR on its grid.
 *
 * <p>Ranges hold 0, as the kernel and integer runtimes need (so ReLU outputs start at 0); a tensor
 * that is 0 throughout gets {@code [0, 1]}, whose grid holds 0 exactly.
 */
final class ActivationRanges {

  /** Histogram bins of the MSE search (AIMET's tf_enhanced uses 512; 8 per 8-bit step here). */
  public static final int BINS = 2048;

  private ActivationRanges() {}

  /**
   * @param tensors the tensors to encode
   * @return each tensor's range, in the order of {@code tensors}
   */
  public static Map<String, MeasuredRange> measure(
      TensorBatches batches, List<String> tensors, int bits, RangeMethod method) {
    int n = tensors.size();
    float[] min = new float[n];
    float[] max = new float[n];
    batches.forEach(
        tensors,
        values -> {
          for (int t = 0; t < n; t++) {
            for (float v : values.get(t)) {
              min[t] = Math.min(min[t], v);
              max[t] = Math.max(max[t], v);
            }
          }
        });
    for (int t = 0; t < n; t++) {
      if (!Float.isFinite(min[t]) || !Float.isFinite(max[t])) {
        throw new UserError(
            "activation " + tensors.get(t) + " is not finite on the calibration data");
      }
    }
    List<ActivationEncoding> encodings = new ArrayList<>();
    if (method == RangeMethod.MSE) {
      List<Histogram> histograms = new ArrayList<>();
      for (int t = 0; t < n; t++) {
        histograms.add(new Histogram(min[t], nonEmptyMax(min[t], max[t]), BINS));
      }
      batches.forEach(
          tensors,
          values -> {
            for (int t = 0; t < n; t++) {
              histograms.get(t).add(values.get(t));
            }
          });
      for (int t = 0; t < n; t++) {
        encodings.add(
            RangeSearch.search(histograms.get(t), min[t], nonEmptyMax(min[t], max[t]), bits));
      }
    } else {
      for (int t = 0; t < n; t++) {
        encodings.add(ActivationEncoding.of(min[t], nonEmptyMax(min[t], max[t]), bits));
      }
    }

    double[] signal = new double[n];
    double[] noise = new double[n];
    batches.forEach(
        tensors,
        values -> {
          for (int t = 0; t < n; t++) {
            ActivationEncoding e = encodings.get(t);
            for (float v : values.get(t)) {
              double d = v - e.quantize(v);
              signal[t] += (double) v * v;
              noise[t] += d * d;
            }
          }
        });
    Map<String, MeasuredRange> ranges = new LinkedHashMap<>();
    for (int t = 0; t < n; t++) {
      double sqnr =
          noise[t] == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal[t] / noise[t]);
      ranges.put(
          tensors.get(t),
          new MeasuredRange(tensors.get(t), min[t], max[t], encodings.get(t), sqnr));
    }
    return ranges;
  }

  /** The range's high end, made 1 where the range would be empty (a tensor that is all 0). */
  private static float nonEmptyMax(float min, float max) {
    return min == 0 && max == 0 ? 1f : max;
  }
}
