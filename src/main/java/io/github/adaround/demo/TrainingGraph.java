package io.github.adaround.demo;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.op.core.Identity;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;

/**
 * The graph that trains a {@link ModelDefinition} ({@link FashionCnn} by default): softmax
 * cross-entropy on one-hot labels, gradients from TF's autodiff, and one {@code ApplyAdam} per
 * parameter. The step size and Adam's bias-correction powers {@code beta^t} are fed at each step,
 * so no optimiser counter lives in the graph and each step is deterministic. Batch norms normalise
 * with the batch's moments ({@link BatchNorms#training()}).
 */
final class TrainingGraph {
  static final float BETA1 = 0.9f;
  static final float BETA2 = 0.999f;
  static final float EPSILON = 1e-7f;

  final Placeholder<TFloat32> images;
  final Placeholder<TFloat32> oneHotLabels;
  final Placeholder<TFloat32> learningRate;
  final Placeholder<TFloat32> beta1Power;
  final Placeholder<TFloat32> beta2Power;
  final Operand<TFloat32> loss;
  final Op step;
  final ParameterVariables parameters;
  final List<Op> slotInitializers;
  final BatchNorms norms;

  private TrainingGraph(Ops tf, ModelDefinition model) {
    images =
        tf.withName("images")
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(FashionCnn.INPUT_SHAPE)));
    oneHotLabels =
        tf.withName("labels")
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, FashionCnn.CLASSES)));
    learningRate = scalar(tf, "learning_rate");
    beta1Power = scalar(tf, "beta1_power");
    beta2Power = scalar(tf, "beta2_power");
    LayerScopes scopes = new LayerScopes(tf);
    parameters = ParameterVariables.create(scopes, model.parameters());

    norms = BatchNorms.training();
    Operand<TFloat32> logits = model.logits(scopes, images, parameters.byName(), norms);
    Ops lossScope = tf.withSubScope("loss");
    // Cross-entropy: -mean over the batch of sum_k y_k * log softmax(logits)_k.
    loss =
        lossScope.math.neg(
            lossScope.math.mean(
                lossScope.reduceSum(
                    lossScope.math.mul(oneHotLabels, lossScope.nn.logSoftmax(logits)),
                    lossScope.constant(1)),
                lossScope.constant(0)));

    List<Variable<TFloat32>> variables = new ArrayList<>(parameters.byName().values());
    Ops gradientScope = tf.withSubScope("gradients");
    Gradients gradients = gradientScope.gradients(loss, variables);
    // Layers read their weights by reference: no update may start before every gradient has been
    // computed from the old weights (the forward pass, loss included, precedes the gradients).
    List<Identity<TFloat32>> grads = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      grads.add(gradientScope.identity(gradients.<TFloat32>dy(i)));
    }
    Ops slots = tf.withSubScope("adam");
    Ops adam = slots.withControlDependencies(List.<Op>copyOf(grads));
    List<Op> updates = new ArrayList<>();
    List<Op> initializers = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      Variable<TFloat32> v = variables.get(i);
      Variable<TFloat32> m = slots.withName("m" + i).variable(v.shape(), TFloat32.class);
      Variable<TFloat32> s = slots.withName("v" + i).variable(v.shape(), TFloat32.class);
      initializers.add(slots.assign(m, slots.zerosLike(v)));
      initializers.add(slots.assign(s, slots.zerosLike(v)));
      Identity<TFloat32> grad = grads.get(i);
      updates.add(
          adam.train.applyAdam(
              v,
              m,
              s,
              beta1Power,
              beta2Power,
              learningRate,
              adam.constant(BETA1),
              adam.constant(BETA2),
              adam.constant(EPSILON),
              grad,
              ApplyAdam.useLocking(true)));
    }
    step = tf.withControlDependencies(updates).withName("train_step").noOp();
    slotInitializers = List.copyOf(initializers);
  }

  /** Builds the training graph of {@link FashionCnn} with {@code tf}. */
  static TrainingGraph build(Ops tf) {
    return build(tf, FashionCnn.DEFINITION);
  }

  /** Builds the training graph of {@code model} with {@code tf}. */
  static TrainingGraph build(Ops tf, ModelDefinition model) {
    return new TrainingGraph(tf, model);
  }

  private static Placeholder<TFloat32> scalar(Ops tf, String name) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
  }
}
