package io.github.adaround.demo;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A Fashion-MNIST classifier that {@link Trainer} trains and {@link InferenceExporter} exports: its
 * tensors and its forward pass from {@code [-1, 28, 28, 1]} images to {@code [-1, 10]} logits.
 *
 * @param parameters the trainable tensors, in layer order
 * @param statistics the batch norms' moving statistics: not trained, averaged from batch moments
 *     after training (none without batch norm)
 * @param forward the forward pass
 */
record ModelDefinition(List<Parameter> parameters, List<Parameter> statistics, Forward forward) {

  ModelDefinition {
    parameters = List.copyOf(parameters);
    statistics = List.copyOf(statistics);
  }

  /** A forward pass. */
  @FunctionalInterface
  interface Forward {
    /**
     * @param scopes where to build the ops: each layer in the scope of its name
     * @param images a batch of images, {@code [-1, 28, 28, 1]}
     * @param params the tensors of {@link #parameters()} and, in inference, {@link #statistics()}
     * @param norms how the batch norms compute
     * @return the logits, {@code [-1, 10]}
     */
    Operand<TFloat32> logits(
        LayerScopes scopes,
        Operand<TFloat32> images,
        Map<String, ? extends Operand<TFloat32>> params,
        BatchNorms norms);
  }

  /** Builds the forward pass, as {@link Forward#logits} does. */
  Operand<TFloat32> logits(
      LayerScopes scopes,
      Operand<TFloat32> images,
      Map<String, ? extends Operand<TFloat32>> params,
      BatchNorms norms) {
    return forward.logits(scopes, images, params, norms);
  }
}
