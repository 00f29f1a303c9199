package io.github.adaround.export;

import io.github.adaround.quant.Grid;

/**
 * What the engine did to one layer.
 *
 * @param layer which layer and weight
 * @param grid the grid its weight was quantized to
 * @param errors the layer's output errors
 * @param rounding what was learnt and exported
 * @param seconds wall time of the layer
 */
public record LayerReport(
    Layer layer, Scales grid, Errors errors, Rounding rounding, double seconds) {

  /**
   * The layer.
   *
   * @param name the layer op
   * @param op the op type
   * @param weight the weight variable
   * @param shape the weight's shape
   */
  public record Layer(String name, String op, String weight, long[] shape) {}

  /**
   * The weight's grid.
   *
   * @param grid how its scales were chosen
   * @param bits its signed bit width: integers in {@code [-2^(bits-1), 2^(bits-1) - 1]}
   * @param scale the grid's scales, one per channel
   * @param scaleShape the shape the scales broadcast in against the weight
   */
  public record Scales(Grid grid, int bits, float[] scale, long[] scaleShape) {
    /** The number of scales: one per channel, or one per tensor. */
    public int channels() {
      return scale.length;
    }
  }

  /**
   * Mean squared errors of the layer output against the FP output on the calibration samples.
   *
   * @param nearest with the weight rounded to nearest
   * @param adaround with the weight as exported (AdaRound's hardened rounding, or nearest for
   *     {@code --nearest})
   */
  public record Errors(double nearest, double adaround) {}

  /**
   * The rounding.
   *
   * @param exported what was exported: {@code adaround} or {@code nearest}
   * @param objective what AdaRound learnt from: {@code minibatch} (the output after the activation
   *     on minibatches) or {@code quadratic} (the pre-activation error over the whole calibration
   *     set)
   * @param softShare share of {@code h(V)} strictly between 0 and 1 before hardening
   * @param changedFromNearest weights whose integer differs from rounding to nearest
   * @param note why nearest was kept although AdaRound ran, or null
   */
  public record Rounding(
      String exported, String objective, double softShare, long changedFromNearest, String note) {}
}
