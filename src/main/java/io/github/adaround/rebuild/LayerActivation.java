package io.github.adaround.rebuild;

import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/** The activations that may follow a layer, rebuilt by type name. */
final class LayerActivation {

  static final Set<String> SUPPORTED =
      Set.of("Relu", "Relu6", "Elu", "Selu", "LeakyRelu", "Sigmoid", "Tanh", "Softplus");

  private LayerActivation() {}

  static Operand<TFloat32> apply(Ops tf, String type, float leakyAlpha, Operand<TFloat32> x) {
    return switch (type) {
      case "Relu" -> tf.nn.relu(x);
      case "Relu6" -> tf.nn.relu6(x);
      case "Elu" -> tf.nn.elu(x);
      case "Selu" -> tf.nn.selu(x);
      case "LeakyRelu" -> tf.nn.leakyRelu(x, LeakyRelu.alpha(leakyAlpha));
      case "Sigmoid" -> tf.math.sigmoid(x);
      case "Tanh" -> tf.math.tanh(x);
      case "Softplus" -> tf.math.softplus(x);
      default -> throw new IllegalArgumentException("activation " + type + " is not supported");
    };
  }
}
