package io.github.adaround.quadratic;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A {@code Conv2D} or {@code DepthwiseConv2dNative} on NHWC inputs as products of {@code im2col}
 * patches ({@code ExtractImagePatches}, whose values run over kernel rows, kernel columns, then
 * channels: the order of a kernel {@code [kh, kw, in, out]} flattened to {@code [kh * kw * in,
 * out]}). A Conv2D is one group of depth {@code kh * kw * in}; a depthwise convolution with kernel
 * {@code [kh, kw, in, multiplier]} is {@code in} groups of depth {@code kh * kw} and width {@code
 * multiplier}, output channel {@code c * multiplier + m} belonging to group {@code c}.
 *
 * @param kernelHeight kernel rows
 * @param kernelWidth kernel columns
 * @param in input channels
 * @param perGroupOut output channels per group: {@code out} of a Conv2D, the multiplier of a
 *     depthwise convolution
 * @param depthwise one group per input channel (else one group)
 * @param strides the op's NHWC strides
 * @param dilations the op's NHWC dilations
 * @param padding {@code SAME}, {@code VALID} or {@code EXPLICIT}
 * @param explicitPaddings the op's {@code explicit_paddings} (8 values, NHWC pairs) for {@code
 *     EXPLICIT}
 */
public record ConvPatches(
    long kernelHeight,
    long kernelWidth,
    long in,
    long perGroupOut,
    boolean depthwise,
    List<Long> strides,
    List<Long> dilations,
    String padding,
    List<Long> explicitPaddings)
    implements PatchLayout {

  public ConvPatches {
    strides = List.copyOf(strides);
    dilations = List.copyOf(dilations);
    explicitPaddings = List.copyOf(explicitPaddings);
    if (padding.equals("EXPLICIT") && explicitPaddings.size() != 8) {
      throw new IllegalArgumentException("EXPLICIT padding needs 8 explicit_paddings");
    }
  }

  @Override
  public int groups() {
    return depthwise ? Math.toIntExact(in) : 1;
  }

  @Override
  public long depth() {
    return depthwise ? kernelHeight * kernelWidth : kernelHeight * kernelWidth * in;
  }

  @Override
  public long width() {
    return perGroupOut;
  }

  @Override
  public Operand<TFloat32> patches(Ops tf, Operand<TFloat32> input) {
    Operand<TFloat32> padded = input;
    String windowPadding = padding;
    if (padding.equals("EXPLICIT")) {
      long[][] pairs = new long[4][2];
      for (int i = 0; i < 8; i++) {
        pairs[i / 2][i % 2] = explicitPaddings.get(i);
      }
      padded = tf.pad(input, tf.constant(pairs), tf.constant(0f));
      windowPadding = "VALID";
    }
    Operand<TFloat32> patches =
        tf.image.extractImagePatches(
            padded, List.of(1L, kernelHeight, kernelWidth, 1L), strides, dilations, windowPadding);
    if (!depthwise) {
      return tf.reshape(patches, tf.constant(new long[] {1, -1, depth()}));
    }
    Operand<TFloat32> byChannel =
        tf.reshape(patches, tf.constant(new long[] {-1, kernelHeight * kernelWidth, in}));
    return tf.linalg.transpose(byChannel, tf.constant(new int[] {2, 0, 1}));
  }

  @Override
  public Operand<TFloat32> columns(Ops tf, Operand<TFloat32> output) {
    if (!depthwise) {
      return tf.reshape(output, tf.constant(new long[] {1, -1, perGroupOut}));
    }
    Operand<TFloat32> byChannel = tf.reshape(output, tf.constant(new long[] {-1, in, perGroupOut}));
    return tf.linalg.transpose(byChannel, tf.constant(new int[] {1, 0, 2}));
  }

  @Override
  public Operand<TFloat32> weightMatrices(Ops tf, Operand<TFloat32> weight) {
    if (!depthwise) {
      return tf.reshape(weight, tf.constant(new long[] {1, depth(), perGroupOut}));
    }
    Operand<TFloat32> byChannel =
        tf.reshape(weight, tf.constant(new long[] {depth(), in, perGroupOut}));
    return tf.linalg.transpose(byChannel, tf.constant(new int[] {1, 0, 2}));
  }
}
