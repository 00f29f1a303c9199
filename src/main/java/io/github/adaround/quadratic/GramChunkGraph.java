package io.github.adaround.quadratic;

import io.github.adaround.train.LayerFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * The {@link GramStatistics} of one chunk of samples as graph ops: patches {@code P} of the inputs
 * ({@code [groups, rows, depth]}), the FP weight's error {@code E = layer(x, W) - y} as columns
 * ({@code [groups, rows, width]}), then {@code P^T P}, {@code P^T E} and {@code sum(E^2)} (the last
 * in float64).
 */
final class GramChunkGraph {

  final Placeholder<TFloat32> input;
  final Placeholder<TFloat32> target;
  final Operand<TFloat32> gram;
  final Operand<TFloat32> cross;
  final Operand<TFloat64> residual;
  final Operand<TInt32> rows;

  /**
   * @param linear the layer up to its bias, without its activation
   * @param weight the FP weight
   */
  GramChunkGraph(
      Graph graph,
      PatchLayout layout,
      LayerFunction linear,
      Operand<TFloat32> weight,
      Shape inputSample,
      Shape targetSample) {
    Ops tf = Ops.create(graph).withSubScope("gram");
    this.input =
        tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1).append(inputSample)));
    this.target =
        tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1).append(targetSample)));
    Operand<TFloat32> patches = layout.patches(tf, input);
    Operand<TFloat32> error =
        layout.columns(tf, tf.math.sub(linear.apply(tf, input, weight), target));
    this.gram = tf.train.batchMatMul(patches, patches, TFloat32.class, BatchMatMul.adjX(true));
    this.cross = tf.train.batchMatMul(patches, error, TFloat32.class, BatchMatMul.adjX(true));
    Operand<TFloat64> wide = tf.dtypes.cast(error, TFloat64.class);
    this.residual = tf.reduceSum(tf.math.mul(wide, wide), tf.constant(new int[] {0, 1, 2}));
    this.rows = tf.gather(tf.shape(patches), tf.constant(1), tf.constant(0));
  }
}
