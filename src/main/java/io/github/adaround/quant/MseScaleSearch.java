package io.github.adaround.quant;

import java.util.Arrays;

/**
 * Chooses the grid by minimising the weight's quantization error, as the paper does ("we pick the
 * scale that minimises ||W - Q(W)||^2", Nagel et al. 2020, section 5), per tensor or per channel.
 *
 * <pre>
 *   s(c)  = max(c * amax / ((qmax - qmin) / 2), eps)          clipping ratio c in (0, 1]
 *   err(c) = sum (W - clamp(round(W / s(c)), qmin, qmax) * s(c))^2
 *   s     = s(argmin err)                                    ties: the larger c
 * </pre>
 *
 * {@code c = 1} is the min-max grid, so the result is never worse than it. The search runs in Java
 * with float32 arithmetic for the grid (as the graph computes it) and double sums for the errors.
 */
public final class MseScaleSearch {

  /** Number of clipping ratios tried: {@code c = 1, 1 - 1/N, ..., 1/N}. */
  static final int CANDIDATES = 100;

  private MseScaleSearch() {}

  /**
   * The scales of {@code weight} (row-major, of {@code shape}) on the grid of {@code spec}, in the
   * channel order of {@link AdaroundFakeQuantizer#scale()}.
   */
  public static float[] scales(float[] weight, long[] shape, QuantSpec spec) {
    ChannelLayout layout = ChannelLayout.of(shape, spec);
    int channels = layout.channels();
    float[] amax = new float[channels];
    for (int i = 0; i < weight.length; i++) {
      int c = layout.channelOf(i);
      amax[c] = Math.max(amax[c], Math.abs(weight[i]));
    }
    float half = spec.halfRange();
    float[] best = new float[channels];
    double[] bestError = new double[channels];
    Arrays.fill(bestError, Double.POSITIVE_INFINITY);
    double[] error = new double[channels];
    float[] scale = new float[channels];
    for (int k = 0; k < CANDIDATES; k++) {
      float ratio = (float) (CANDIDATES - k) / CANDIDATES;
      for (int c = 0; c < channels; c++) {
        scale[c] = Math.max(ratio * amax[c] / half, MinMaxObserver.EPS);
      }
      Arrays.fill(error, 0);
      for (int i = 0; i < weight.length; i++) {
        int c = layout.channelOf(i);
        float q = nearest(weight[i], scale[c], spec) * scale[c];
        double d = (double) weight[i] - q;
        error[c] += d * d;
      }
      for (int c = 0; c < channels; c++) {
        if (error[c] < bestError[c]) {
          bestError[c] = error[c];
          best[c] = scale[c];
        }
      }
    }
    return best;
  }

  /** {@code clamp(floor(w/s) + 1[w/s - floor(w/s) >= 0.5], qmin, qmax)}, as the graph rounds. */
  static float nearest(float w, float s, QuantSpec spec) {
    float x = w / s;
    float floor = (float) Math.floor(x);
    float rounded = x - floor >= 0.5f ? floor + 1 : floor;
    return Math.min(Math.max(rounded, spec.quantMin()), spec.quantMax());
  }
}
