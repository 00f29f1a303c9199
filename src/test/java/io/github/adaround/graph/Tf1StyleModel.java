package io.github.adaround.graph;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/**
 * A graph laid out like TF1's estimators write them: weights in VariableV2 read through {@code
 * <name>/read} identities, a fixed batch size, batch norm after the first convolution, a residual
 * addition after the second, a depthwise convolution, and a dense head. A MatMul of two activations
 * and a convolution with a constant kernel are not quantizable layers.
 */
public final class Tf1StyleModel {
  private static final List<Long> UNIT = List.of(1L, 1L, 1L, 1L);

  private Tf1StyleModel() {}

  /** Exports the model to {@code model} and returns it. Input {@code images} [8, 16, 16, 3]. */
  public static Path export(Path model) throws Exception {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Random random = new Random(1);
      Placeholder<TFloat32> input =
          tf.withName("images")
              .placeholder(TFloat32.class, Placeholder.shape(Shape.of(8, 16, 16, 3)));

      Ops conv = tf.withSubScope("conv2d");
      Operand<TFloat32> x =
          conv.nn.conv2d(input, read(conv, "kernel", random, 3, 3, 3, 8), UNIT, "SAME");
      Ops bn = tf.withSubScope("batch_normalization");
      x =
          bn.nn
              .fusedBatchNorm(
                  x,
                  read(bn, "gamma", random, 8),
                  read(bn, "beta", random, 8),
                  read(bn, "moving_mean", random, 8),
                  read(bn, "moving_variance", random, 8),
                  FusedBatchNorm.isTraining(false))
              .y();
      Operand<TFloat32> shortcut = tf.withSubScope("relu").nn.relu(x);

      Ops conv1 = tf.withSubScope("conv2d_1");
      x =
          conv1.nn.biasAdd(
              conv1.nn.conv2d(shortcut, read(conv1, "kernel", random, 3, 3, 8, 8), UNIT, "SAME"),
              read(conv1, "bias", random, 8));
      x = tf.withSubScope("add").math.add(x, shortcut);
      x = tf.withSubScope("relu_1").nn.relu(x);

      Ops dw = tf.withSubScope("depthwise");
      x =
          dw.nn.relu6(
              dw.nn.depthwiseConv2dNative(
                  x, read(dw, "depthwise_kernel", random, 3, 3, 8, 1), UNIT, "SAME"));
      Ops fixed = tf.withSubScope("fixed");
      x =
          fixed.nn.conv2d(
              x,
              fixed.constant(Shape.of(1, 1, 8, 8), DataBuffers.of(new float[64], true, false)),
              UNIT,
              "SAME");

      Operand<TFloat32> pooled = tf.math.mean(x, tf.constant(new int[] {1, 2}));
      Ops gram = tf.withSubScope("gram");
      Operand<TFloat32> similarity = gram.linalg.matMul(pooled, pooled, MatMul.transposeB(true));
      Ops dense = tf.withSubScope("dense");
      Operand<TFloat32> logits =
          dense.math.add(
              dense.linalg.matMul(pooled, read(dense, "kernel", random, 8, 4)),
              read(dense, "bias", random, 4));
      Operand<TFloat32> probabilities = tf.nn.softmax(logits);

      session.initialize();
      SavedModelBundle.exporter(model.toString())
          .withSession(session)
          .withSignature(
              Signature.builder("serving_default")
                  .input("images", input)
                  .output("probabilities", probabilities)
                  .output("similarity", similarity)
                  .build())
          .export();
    }

    return model;
  }

  /**
   * A VariableV2 {@code <scope>/<name>} with random values and its {@code <name>/read} identity.
   */
  private static Operand<TFloat32> read(Ops scope, String name, Random random, long... dims) {
    float[] values = new float[(int) Shape.of(dims).size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian() * 0.1f + (name.equals("moving_variance") ? 1 : 0);
    }
    Variable<TFloat32> v =
        scope
            .withName(name)
            .variable(scope.constant(Shape.of(dims), DataBuffers.of(values, true, false)));
    return scope.withName(name + "_read").identity(v);
  }
}
