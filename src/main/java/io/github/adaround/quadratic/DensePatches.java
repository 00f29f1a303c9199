package io.github.adaround.quadratic;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A {@code MatMul} layer {@code y = x W} ({@code x W^T} when the weight is stored transposed): one
 * group whose patches are the input rows.
 *
 * @param in input features
 * @param out output features
 * @param transposedWeight the weight is stored {@code [out, in]} ({@code transpose_b})
 */
public record DensePatches(long in, long out, boolean transposedWeight) implements PatchLayout {

  @Override
  public int groups() {
    return 1;
  }

  @Override
  public long depth() {
    return in;
  }

  @Override
  public long width() {
    return out;
  }

  @Override
  public Operand<TFloat32> patches(Ops tf, Operand<TFloat32> input) {
    return tf.reshape(input, tf.constant(new long[] {1, -1, in}));
  }

  @Override
  public Operand<TFloat32> columns(Ops tf, Operand<TFloat32> output) {
    return tf.reshape(output, tf.constant(new long[] {1, -1, out}));
  }

  @Override
  public Operand<TFloat32> weightMatrices(Ops tf, Operand<TFloat32> weight) {
    Operand<TFloat32> matrix =
        transposedWeight ? tf.linalg.transpose(weight, tf.constant(new int[] {1, 0})) : weight;
    return tf.reshape(matrix, tf.constant(new long[] {1, in, out}));
  }
}
