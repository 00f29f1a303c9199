package io.github.adaround.demo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * How a model's batch norms compute. In training each normalises with its batch's per-channel mean
 * and variance, built from ops TF can differentiate, and keeps those moments so that the trainer
 * can average them into the moving statistics. In inference each is one {@code FusedBatchNormV3}
 * with {@code is_training=false} reading the layer's {@code moving_mean} and {@code
 * moving_variance}.
 *
 * <p>A batch norm named {@code bn} has the trainable {@code bn/gamma} (scale) and {@code bn/beta}
 * (offset), and the statistics {@code bn/moving_mean} and {@code bn/moving_variance}.
 */
final class BatchNorms {
  /** Added to the variance before its square root, as in Keras. */
  static final float EPSILON = 1e-3f;

  private final boolean training;
  private final Map<String, Operand<TFloat32>> means = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> variances = new LinkedHashMap<>();

  private BatchNorms(boolean training) {
    this.training = training;
  }

  /** Batch norms that use the batch's moments. */
  static BatchNorms training() {
    return new BatchNorms(true);
  }

  /** Batch norms that use the moving statistics. */
  static BatchNorms inference() {
    return new BatchNorms(false);
  }

  /** The trainable parameters of a batch norm. */
  static List<Parameter> trainable(String name, int channels) {
    return List.of(
        Parameter.ones(name + "/gamma", channels), Parameter.bias(name + "/beta", channels));
  }

  /** The statistics of a batch norm. */
  static List<Parameter> statistics(String name, int channels) {
    return List.of(
        Parameter.bias(name + "/moving_mean", channels),
        Parameter.ones(name + "/moving_variance", channels));
  }

  /**
   * Normalises {@code x}, NHWC, per channel.
   *
   * @param scopes where to build the ops: in the scope of {@code name}
   * @param name the batch norm's layer name
   * @param x the input
   * @param params the model's tensors by name
   * @return {@code (x - mean) / sqrt(variance + eps) * gamma + beta}
   */
  Operand<TFloat32> apply(
      LayerScopes scopes,
      String name,
      Operand<TFloat32> x,
      Map<String, ? extends Operand<TFloat32>> params) {
    Ops bn = scopes.layer(name);
    Operand<TFloat32> gamma = params.get(name + "/gamma");
    Operand<TFloat32> beta = params.get(name + "/beta");
    if (!training) {
      return bn.nn
          .fusedBatchNorm(
              x,
              gamma,
              beta,
              params.get(name + "/moving_mean"),
              params.get(name + "/moving_variance"),
              FusedBatchNorm.epsilon(EPSILON),
              FusedBatchNorm.isTraining(false),
              FusedBatchNorm.dataFormat("NHWC"))
          .y();
    }
    Operand<TInt32> axes = bn.constant(new int[] {0, 1, 2});
    Operand<TFloat32> mean = bn.math.mean(x, axes);
    Operand<TFloat32> centered = bn.math.sub(x, mean);
    Operand<TFloat32> variance = bn.math.mean(bn.math.square(centered), axes);
    means.put(name, mean);
    variances.put(name, variance);
    Operand<TFloat32> scale =
        bn.math.mul(bn.math.rsqrt(bn.math.add(variance, bn.constant(EPSILON))), gamma);
    return bn.math.add(bn.math.mul(centered, scale), beta);
  }

  /** The batch means of the batch norms built in training, by name, in build order. */
  Map<String, Operand<TFloat32>> batchMeans() {
    return means;
  }

  /** The batch variances of the batch norms built in training, by name, in build order. */
  Map<String, Operand<TFloat32>> batchVariances() {
    return variances;
  }
}
