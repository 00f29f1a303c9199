package io.github.adaround.quadratic;

import io.github.adaround.loss.Reduction;
import io.github.adaround.tf.ExactOps;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The pre-activation reconstruction error of a linear layer over a whole calibration set, from its
 * {@link GramStatistics}, as graph ops on the soft-quantized weight {@code W~} (Nagel et al. 2020,
 * eqs. 13-17: the task loss to second order is this quadratic form):
 *
 * <pre>
 *   D = W~ - W,  per group as [depth, width]
 *   sum_rows ||p W~ + b - y||^2 = sum_g sum(D_g * (A_g D_g + 2 R_g)) + c
 * </pre>
 *
 * divided as the recipe's {@link Reduction} divides a minibatch's: by the rows ({@code
 * SUM_CHANNELS_MEAN_BATCH}) or by rows times output channels ({@code MEAN_ALL}). A step costs
 * {@code 2 groups depth^2 width} multiply-adds, forward and again backward, whatever the number of
 * samples. Writing it in {@code D} rather than {@code W~} keeps the large terms {@code W~ A W~} and
 * {@code y^2} from cancelling in float32.
 */
final class QuadraticReconstruction {

  private QuadraticReconstruction() {}

  /**
   * @param softWeight the soft-quantized weight, in the layer's layout
   * @param weight the FP weight, same layout
   */
  public static Operand<TFloat32> create(
      Ops tf,
      GramStatistics statistics,
      Reduction reduction,
      Operand<TFloat32> softWeight,
      Operand<TFloat32> weight) {
    PatchLayout layout = statistics.layout();
    long groups = layout.groups();
    long depth = layout.depth();
    long width = layout.width();
    Operand<TFloat32> gram =
        tf.withName("gram")
            .constant(Shape.of(groups, depth, depth), DataBuffers.of(statistics.gram()));
    Operand<TFloat32> cross =
        tf.withName("cross")
            .constant(Shape.of(groups, depth, width), DataBuffers.of(statistics.cross()));
    Operand<TFloat32> delta = layout.weightMatrices(tf, tf.math.sub(softWeight, weight));
    Operand<TFloat32> product = gramTimes(tf, gram, delta, groups, depth, width);
    Operand<TFloat32> form =
        tf.reduceSum(
            tf.math.mul(delta, tf.math.add(product, tf.math.mul(ExactOps.constant(tf, 2f), cross))),
            tf.constant(new int[] {0, 1, 2}));
    Operand<TFloat32> sum = tf.math.add(form, ExactOps.constant(tf, (float) statistics.residual()));
    double count =
        switch (reduction) {
          case SUM_CHANNELS_MEAN_BATCH -> statistics.rows();
          case MEAN_ALL -> (double) statistics.rows() * groups * width;
        };
    return ExactOps.divide(tf, sum, ExactOps.constant(tf, (float) count));
  }

  /**
   * {@code A_g D_g} for every group: one MatMul for a single group, else a broadcast product summed
   * over depth (depthwise groups are small: {@code depth = kh * kw}).
   */
  private static Operand<TFloat32> gramTimes(
      Ops tf,
      Operand<TFloat32> gram,
      Operand<TFloat32> delta,
      long groups,
      long depth,
      long width) {
    if (groups == 1) {
      Operand<TFloat32> product =
          tf.linalg.matMul(
              tf.reshape(gram, tf.constant(new long[] {depth, depth})),
              tf.reshape(delta, tf.constant(new long[] {depth, width})));
      return tf.reshape(product, tf.constant(new long[] {1, depth, width}));
    }
    return tf.reduceSum(
        tf.math.mul(tf.expandDims(gram, tf.constant(3)), tf.expandDims(delta, tf.constant(1))),
        tf.constant(2));
  }
}
