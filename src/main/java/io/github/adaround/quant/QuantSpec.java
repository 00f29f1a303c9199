package io.github.adaround.quant;

import java.util.Arrays;

/**
 * An immutable description of a symmetric integer weight grid: the integer range {@code [quantMin,
 * quantMax]} and its granularity, one scale for the whole tensor or one per channel.
 *
 * <p>Channels are given as axes of the weight. Most layers need one axis (Dense kernel {@code [in,
 * out]}: axis 1 or -1; Conv2D kernel {@code [h, w, in, out]}: axis 3 or -1). A depthwise kernel
 * {@code [h, w, in, multiplier]} has {@code in * multiplier} output channels: give both axes,
 * {@code perChannel(2, 3)}, and the channels are numbered row-major over them, as TF numbers the
 * depthwise outputs ({@code c = i * multiplier + m}).
 *
 * <pre>{@code
 * QuantSpec.signed(4)                    // [-8, 7], per tensor
 * QuantSpec.signed(4).perChannel(-1)     // Dense or Conv2D kernel, per output channel
 * QuantSpec.signed(3).perChannel(2, 3)   // depthwise kernel
 * QuantSpec.range(-128, 127)             // explicit range
 * }</pre>
 */
public final class QuantSpec {

  /** Smallest supported signed bit width. */
  public static final int MIN_BITS = 2;

  /** Largest supported signed bit width. */
  public static final int MAX_BITS = 16;

  private final int quantMin;
  private final int quantMax;
  private final int[] channelAxes;

  private QuantSpec(int quantMin, int quantMax, int[] channelAxes) {
    if (quantMin >= quantMax) {
      throw new IllegalArgumentException(
          "quantMin (" + quantMin + ") must be less than quantMax (" + quantMax + ")");
    }
    if ((long) quantMax - quantMin > (1L << MAX_BITS) - 1) {
      throw new IllegalArgumentException(
          "integer range [" + quantMin + ", " + quantMax + "] is wider than " + MAX_BITS + " bits");
    }
    this.quantMin = quantMin;
    this.quantMax = quantMax;
    this.channelAxes = channelAxes;
  }

  /**
   * The signed grid of {@code bits} bits, {@code [-2^(bits-1), 2^(bits-1) - 1]}, per tensor.
   *
   * @throws IllegalArgumentException if {@code bits} is outside {@value #MIN_BITS}..{@value
   *     #MAX_BITS}
   */
  public static QuantSpec signed(int bits) {
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new IllegalArgumentException(
          "bits must be in " + MIN_BITS + ".." + MAX_BITS + ", got " + bits);
    }
    return new QuantSpec(-(1 << (bits - 1)), (1 << (bits - 1)) - 1, new int[0]);
  }

  /** An explicit integer range, per tensor. */
  public static QuantSpec range(int quantMin, int quantMax) {
    return new QuantSpec(quantMin, quantMax, new int[0]);
  }

  /**
   * The same range with one scale per channel along the given axes (negative axes count from the
   * end). Several axes are merged into one channel index, row-major.
   */
  public QuantSpec perChannel(int... axes) {
    if (axes.length == 0) {
      throw new IllegalArgumentException("perChannel needs at least one axis");
    }
    if (Arrays.stream(axes).distinct().count() != axes.length) {
      throw new IllegalArgumentException("channel axes repeat: " + Arrays.toString(axes));
    }
    return new QuantSpec(quantMin, quantMax, axes.clone());
  }

  /** The same range with one scale for the whole tensor. */
  public QuantSpec perTensor() {
    return new QuantSpec(quantMin, quantMax, new int[0]);
  }

  public int quantMin() {
    return quantMin;
  }

  public int quantMax() {
    return quantMax;
  }

  public boolean isPerChannel() {
    return channelAxes.length > 0;
  }

  /** The channel axes as given (possibly negative); empty when per tensor. */
  public int[] channelAxes() {
    return channelAxes.clone();
  }

  /**
   * The channel axes resolved against a weight of the given rank, ascending and non-negative.
   *
   * @throws IllegalArgumentException if an axis is out of bounds for that rank
   */
  public int[] resolveChannelAxes(int rank) {
    int[] resolved = new int[channelAxes.length];
    for (int i = 0; i < channelAxes.length; i++) {
      int axis = channelAxes[i];
      if (axis < -rank || axis >= rank) {
        throw new IllegalArgumentException(
            "channel axis " + axis + " is out of bounds for a weight of rank " + rank);
      }
      resolved[i] = axis < 0 ? axis + rank : axis;
    }
    Arrays.sort(resolved);
    for (int i = 1; i < resolved.length; i++) {
      if (resolved[i] == resolved[i - 1]) {
        throw new IllegalArgumentException(
            "channel axes "
                + Arrays.toString(channelAxes)
                + " name axis "
                + resolved[i]
                + " twice");
      }
    }
    return resolved;
  }

  /** {@code (quantMax - quantMin) / 2} in float32, the divisor of the symmetric observer. */
  public float halfRange() {
    return (float) (quantMax - quantMin) / 2;
  }

  /**
   * The reference's name of the scheme: {@code per_tensor_symmetric} or {@code
   * per_channel_symmetric}.
   */
  public String qscheme() {
    return isPerChannel() ? "per_channel_symmetric" : "per_tensor_symmetric";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QuantSpec other
        && quantMin == other.quantMin
        && quantMax == other.quantMax
        && Arrays.equals(channelAxes, other.channelAxes);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * quantMin + quantMax) + Arrays.hashCode(channelAxes);
  }

  @Override
  public String toString() {
    return "QuantSpec(quant_min="
        + quantMin
        + ", quant_max="
        + quantMax
        + ", qscheme="
        + qscheme()
        + (isPerChannel() ? ", ch_axis=" + Arrays.toString(channelAxes) : "")
        + ")";
  }
}
