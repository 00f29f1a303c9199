package io.github.adaround.quant;

import java.util.stream.IntStream;

/**
 * Which channel each element of a row-major weight belongs to, for the channel axes of a spec: the
 * channel index is the row-major index over those axes (0 for every element per tensor).
 */
public final class ChannelLayout {

  private final long[] shape;
  private final int[] axes;
  private final long[] strides;
  private final int channels;

  private ChannelLayout(long[] shape, int[] axes) {
    this.shape = shape.clone();
    this.axes = axes;
    this.strides = new long[shape.length];
    long stride = 1;
    for (int a = shape.length - 1; a >= 0; a--) {
      strides[a] = stride;
      stride *= shape[a];
    }
    long count = 1;
    for (int axis : axes) {
      count *= shape[axis];
    }
    this.channels = Math.toIntExact(count);
  }

  /** The layout of a weight of {@code shape} under {@code spec}. */
  public static ChannelLayout of(long[] shape, QuantSpec spec) {
    return new ChannelLayout(shape, spec.resolveChannelAxes(shape.length));
  }

  /**
   * The layout of a weight of {@code shape} whose scales have the broadcast shape {@code
   * scaleShape} (as {@link AdaroundFakeQuantizer#scaleShape()}): channels run over the axes where
   * the scale is not of size 1.
   */
  public static ChannelLayout ofScaleShape(long[] shape, long[] scaleShape) {
    int[] axes =
        scaleShape.length != shape.length
            ? new int[0]
            : IntStream.range(0, shape.length).filter(a -> scaleShape[a] != 1).toArray();
    return new ChannelLayout(shape, axes);
  }

  /** The number of channels (1 per tensor). */
  public int channels() {
    return channels;
  }

  /** The channel of the element at row-major position {@code index}. */
  public int channelOf(long index) {
    int channel = 0;
    for (int axis : axes) {
      long coordinate = (index / strides[axis]) % shape[axis];
      channel = Math.toIntExact(channel * shape[axis] + coordinate);
    }
    return channel;
  }
}
