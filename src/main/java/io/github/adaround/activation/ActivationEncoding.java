package io.github.adaround.activation;

/**
 * An asymmetric integer grid for one activation tensor, exactly as TF's {@code
 * FakeQuantWithMinMaxVars} kernel (and TFLite, which nudges the same way) derives it from a range
 * {@code [rawMin, rawMax]} that holds 0, with {@code narrow_range = false}:
 *
 * <pre>
 *   scale = (rawMax - rawMin) / (2^bits - 1)
 *   zeroPoint = clamp(round(-rawMin / scale), 0, 2^bits - 1)
 *   min = -zeroPoint * scale,   max = (2^bits - 1 - zeroPoint) * scale
 *   Q(x) = floor((clamp(x, min, max) - min) / scale - zeroPoint + 0.5) * scale
 * </pre>
 *
 * All in float32, in the kernel's order, so that {@link #quantize} is bit for bit the kernel's
 * output (a test compares them) and {@code j * scale}, {@code j} an integer in {@code
 * offset..offset + 2^bits - 1}, are the only values it produces. AIMET writes such a grid as {@code
 * {bitwidth, scale, offset = -zeroPoint = round(min / scale), min, max}}.
 *
 * @param bits bit width, 2..16
 * @param rawMin the range given to the kernel (its {@code min} input)
 * @param rawMax the range given to the kernel (its {@code max} input)
 * @param scale the grid step
 * @param zeroPoint the integer that represents 0
 * @param min the nudged minimum, the grid's lowest value
 * @param max the nudged maximum, the grid's highest value
 */
public record ActivationEncoding(
    int bits, float rawMin, float rawMax, float scale, int zeroPoint, float min, float max) {

  public static final int MIN_BITS = 2;
  public static final int MAX_BITS = 16;

  /**
   * The grid the kernel uses for {@code [rawMin, rawMax]}.
   *
   * @throws IllegalArgumentException if the range does not hold 0 with {@code rawMin < rawMax}, or
   *     the bits are outside 2..16
   */
  public static ActivationEncoding of(float rawMin, float rawMax, int bits) {
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new IllegalArgumentException(
          "activation bits must be in " + MIN_BITS + ".." + MAX_BITS + ", got " + bits);
    }
    if (!(rawMin <= 0 && rawMax >= 0 && rawMin < rawMax)) {
      throw new IllegalArgumentException(
          "an activation range must hold 0 and be non-empty, got [" + rawMin + ", " + rawMax + "]");
    }
    float quantMax = (1 << bits) - 1;
    float scale = (rawMax - rawMin) / quantMax;
    float zeroFromMin = 0f - rawMin / scale;
    int zeroPoint =
        zeroFromMin < 0 ? 0 : zeroFromMin > quantMax ? (int) quantMax : Math.round(zeroFromMin);
    float min = (0f - zeroPoint) * scale;
    float max = (quantMax - zeroPoint) * scale;
    return new ActivationEncoding(bits, rawMin, rawMax, scale, zeroPoint, min, max);
  }

  /** The largest integer code, {@code 2^bits - 1}. */
  public int quantMax() {
    return (1 << bits) - 1;
  }

  /** AIMET's offset: the code of the grid's lowest value relative to 0, {@code -zeroPoint}. */
  public int offset() {
    return -zeroPoint;
  }

  /**
   * The zero point as the kernel recomputes it from the nudged minimum: {@code floor(-min * (2^bits
   * - 1) / (rawMax - rawMin) + 0.5)}; equal to {@link #zeroPoint} up to float rounding.
   */
  private float zeroCode() {
    float inverse = quantMax() / (rawMax - rawMin);
    return (float) Math.floor(-min * inverse + 0.5f);
  }

  /** {@code x} on the grid, as the kernel computes it. */
  public float quantize(float x) {
    float clamped = Math.max(Math.min(x, max), min);
    float shifted = clamped - min;
    return (float) Math.floor(shifted / scale - zeroCode() + 0.5f) * scale;
  }
}
