package io.github.adaround.demo;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A Fashion-MNIST classifier that {@link Trainer} trains and {@link InferenceExporter} exports: its
 * tensors and its forward pass from {@code [-1, 28, 28, 1]} images to {@code [-1, 10]} logits.
 */
interface ModelDefinition {
  /** The trainable tensors, in layer order. */
  List<Parameter> parameters();

  /**
   * The batch norms' moving statistics: not trained, averaged from batch moments after training.
   */
  default List<Parameter> statistics() {
    return List.of();
  }

  /**
   * Builds the forward pass.
   *
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
