package io.github.adaround.sensitivity;

import io.github.adaround.quant.ChannelLayout;
import io.github.adaround.quant.MseScaleSearch;
import io.github.adaround.quant.QuantSpec;

/**
 * A weight rounded to nearest on its grid, as the quantized model would hold it without AdaRound:
 * {@code w_q = s_c * clamp(rint(w / s_c), qmin, qmax)}, the scales {@code s_c} chosen per channel
 * (or per tensor) by the MSE search that {@code quantize} uses.
 */
final class NearestWeight {

  private NearestWeight() {}

  /**
   * {@code weight} (row-major, of {@code shape}) rounded to nearest on the grid of {@code spec}.
   */
  static float[] of(float[] weight, long[] shape, QuantSpec spec) {
    float[] scale = MseScaleSearch.scales(weight, shape, spec);
    ChannelLayout layout = ChannelLayout.of(shape, spec);
    float[] q = new float[weight.length];
    for (int i = 0; i < weight.length; i++) {
      float s = scale[layout.channelOf(i)];
      float k = (float) Math.rint(weight[i] / s);
      q[i] = Math.min(spec.quantMax(), Math.max(spec.quantMin(), k)) * s;
    }
    return q;
  }
}
