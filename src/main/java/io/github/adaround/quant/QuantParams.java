package io.github.adaround.quant;

import java.util.Arrays;

/**
 * Scale and zero point of a grid, one entry per channel (a single entry per tensor): the result of
 * the reference's {@code calculate_qparams}.
 */
record QuantParams(float[] scale, int[] zeroPoint) {

  public QuantParams {
    scale = scale.clone();
    zeroPoint = zeroPoint.clone();
  }

  @Override
  public float[] scale() {
    return scale.clone();
  }

  @Override
  public int[] zeroPoint() {
    return zeroPoint.clone();
  }

  @Override
  public String toString() {
    return "scale=" + Arrays.toString(scale) + ", zero_point=" + Arrays.toString(zeroPoint);
  }
}
