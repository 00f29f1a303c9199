package io.github.adaround.rebuild;

import java.util.Arrays;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A 1x1 {@code Conv2D} with unit strides as the matrix product it is: every position of an NHWC
 * input {@code x} is a row of {@code [batch * h * w, in]}, and
 *
 * <pre>
 *   conv2d(x, W)[b, i, j, :] = x[b, i, j, :] W[0, 0, :, :]
 * </pre>
 *
 * so that the training step runs one {@code MatMul} forward and one for the weight gradient instead
 * of TF's convolution kernels, which are slower on such thin products (the bundled model's
 * pointwise layer: about a quarter of its step). Padding does nothing to a 1x1 window at unit
 * stride, dilation does nothing to a window of one tap; explicit paddings that are not all zero do
 * change the output, and such layers keep the convolution.
 */
final class PointwiseConvolution {

  private PointwiseConvolution() {}

  /**
   * Whether a {@code Conv2D} with kernel {@code shape}, NHWC {@code strides}, {@code padding} and
   * {@code explicitPaddings} on inputs of {@code inputSample} (no batch axis) is a product per
   * position.
   */
  static boolean applies(
      long[] shape, long[] strides, String padding, long[] explicitPaddings, Shape inputSample) {
    boolean unitWindow = shape.length == 4 && shape[0] == 1 && shape[1] == 1;
    boolean unitStrides = Arrays.stream(strides).allMatch(s -> s == 1);
    boolean noPadding =
        !padding.equals("EXPLICIT") || Arrays.stream(explicitPaddings).allMatch(p -> p == 0);
    return unitWindow
        && unitStrides
        && noPadding
        && inputSample.numDimensions() == 3
        && !inputSample.hasUnknownDimension();
  }

  /** {@code conv2d(x, w)} for a 1x1 kernel {@code w} of shape {@code [1, 1, in, out]}. */
  static Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x, Operand<TFloat32> w, Shape sample) {
    long in = w.shape().get(2);
    long out = w.shape().get(3);
    Operand<TFloat32> rows = tf.reshape(x, tf.constant(new long[] {-1, in}));
    Operand<TFloat32> product =
        tf.linalg.matMul(rows, tf.reshape(w, tf.constant(new long[] {in, out})));
    return tf.reshape(product, tf.constant(new long[] {-1, sample.get(0), sample.get(1), out}));
  }
}
