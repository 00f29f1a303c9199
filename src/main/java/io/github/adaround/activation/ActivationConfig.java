package io.github.adaround.activation;

import io.github.adaround.error.UserError;

/**
 * What a run does with activations, immutable.
 *
 * @param bits activation bit width, 2..16, or 0 for float activations (weights only)
 * @param range how each tensor's range is chosen from the calibration data
 * @param quantizedReconstruction whether AdaRound caches each layer's input from the simulated
 *     integer model (earlier weights and activations quantized), else from the float one
 * @param qdrop in a quantized reconstruction, the probability that an element of the layer's input
 *     is quantized during training (QDrop); 1 quantizes all
 */
public record ActivationConfig(
    int bits, RangeMethod range, boolean quantizedReconstruction, float qdrop) {

  /** Activations stay float32; AdaRound as the paper runs it. */
  public static final ActivationConfig FLOAT = new ActivationConfig(0, RangeMethod.MSE, false, 1f);

  /** QDrop's probability: the paper's 0.5. */
  static final float DEFAULT_QDROP = 0.5f;

  public ActivationConfig {
    if (bits != 0 && (bits < ActivationEncoding.MIN_BITS || bits > ActivationEncoding.MAX_BITS)) {
      throw new UserError(
          "--activation-bits must be in "
              + ActivationEncoding.MIN_BITS
              + ".."
              + ActivationEncoding.MAX_BITS
              + ", got "
              + bits);
    }
    if (!(qdrop >= 0 && qdrop <= 1)) {
      throw new UserError("--qdrop must be in 0..1, got " + qdrop);
    }
    if (bits == 0 && quantizedReconstruction) {
      throw new UserError("a quantized reconstruction needs --activation-bits");
    }
  }

  /**
   * {@code bits}-bit activations with {@code range} ranges, AdaRound under them with QDrop's
   * probability {@code qdrop}.
   */
  public static ActivationConfig quantized(int bits, RangeMethod range, float qdrop) {
    return new ActivationConfig(bits, range, true, qdrop);
  }

  /** {@code bits}-bit activations, AdaRound against float activations. */
  public static ActivationConfig floatReconstruction(int bits, RangeMethod range) {
    return new ActivationConfig(bits, range, false, 1f);
  }

  /** Whether activations are quantized at all. */
  public boolean enabled() {
    return bits > 0;
  }
}
