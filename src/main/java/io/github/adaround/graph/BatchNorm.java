package io.github.adaround.graph;

import java.util.List;

/**
 * An inference batch norm right after a layer (and its bias), as a per-output-channel affine map
 * {@code y = x * a + c}, whose parameters are tensors of the graph that do not depend on its input.
 *
 * <ul>
 *   <li>{@link Form#FUSED}: {@code FusedBatchNorm}, {@code V2} or {@code V3} with {@code
 *       is_training=false}; {@code parameters} are its scale {@code gamma}, offset {@code beta},
 *       mean and variance, and {@code a = gamma / sqrt(variance + epsilon)}, {@code c = beta - mean
 *       * a} (Ioffe and Szegedy 2015, algorithm 2).
 *   <li>{@link Form#MUL_ADD}: {@code x * a + c} as {@code tf.nn.batch_normalization} and Keras 3
 *       write it ({@code Mul} by a tensor computed through {@code Rsqrt}, then {@code Add}/{@code
 *       AddV2}); {@code parameters} are {@code a} and {@code c}.
 * </ul>
 *
 * @param form how the graph computes it
 * @param ops the op names that compute it from the layer's output, in order
 * @param parameters the parameter tensors, in the order the form names them
 * @param epsilon the variance epsilon of {@link Form#FUSED} (0 for {@link Form#MUL_ADD})
 * @param output the batch norm's output tensor
 */
public record BatchNorm(
    Form form, List<String> ops, List<String> parameters, float epsilon, String output) {

  /** How the graph computes a batch norm. */
  public enum Form {
    FUSED,
    MUL_ADD
  }

  public BatchNorm {
    ops = List.copyOf(ops);
    parameters = List.copyOf(parameters);
  }
}
