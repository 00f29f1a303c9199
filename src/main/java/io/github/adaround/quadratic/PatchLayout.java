package io.github.adaround.quadratic;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * How a linear layer's output is a matrix product, {@code y = P W} per group: the rows of {@code P}
 * are the input patches ({@code im2col}) that each output position reads, {@code W} is the weight
 * as a {@code [depth, width]} matrix. A Dense layer is one group whose patches are its input rows;
 * a Conv2D is one group of {@code kh * kw * in} patch values; a depthwise convolution is one group
 * per input channel, of {@code kh * kw} values and {@code multiplier} outputs.
 */
public interface PatchLayout {

  /** Independent products: 1, or the input channels of a depthwise convolution. */
  int groups();

  /** Values in one patch: the rows of a group's weight matrix. */
  long depth();

  /** Outputs per group: the columns of a group's weight matrix. */
  long width();

  /** The patches of a batch of inputs, {@code [groups, rows, depth]}. */
  Operand<TFloat32> patches(Ops tf, Operand<TFloat32> input);

  /** A batch of outputs (in the layer's output layout) as {@code [groups, rows, width]}. */
  Operand<TFloat32> columns(Ops tf, Operand<TFloat32> output);

  /** The weight (in the layer's layout) as {@code [groups, depth, width]}. */
  Operand<TFloat32> weightMatrices(Ops tf, Operand<TFloat32> weight);
}
