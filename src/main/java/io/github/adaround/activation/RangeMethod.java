package io.github.adaround.activation;

/** How an activation tensor's range is chosen from its values on the calibration data. */
public enum RangeMethod {
  /**
   * The smallest and largest value seen, widened to hold 0 (AIMET's {@code tf} scheme, TFLite's
   * default calibration).
   */
  MINMAX,
  /**
   * The range, within the min-max one, that minimises the squared quantization error {@code sum (x
   * - Q(x))^2} of the values seen (AIMET's {@code tf_enhanced}, by an error search like TFLite's),
   * estimated on a histogram; see {@link RangeSearch}.
   */
  MSE
}
