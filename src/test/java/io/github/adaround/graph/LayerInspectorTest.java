package io.github.adaround.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.model.SavedModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

class LayerInspectorTest {
  private static final List<Long> UNIT = List.of(1L, 1L, 1L, 1L);

  @Test
  void findsTheFiveLayersOfTheBundledModel() throws Exception {
    try (SavedModelBundle bundle = SavedModels.load(Path.of("models", "fashion-mnist-cnn"))) {
      assertEquals(
          List.of(
              new QuantizableLayer(
                  "conv1/Conv2d",
                  "Conv2D",
                  "conv1/kernel",
                  new long[] {3, 3, 1, 32},
                  "conv1/bias",
                  "Relu",
                  "input:0",
                  "conv1/Relu:0"),
              new QuantizableLayer(
                  "dw/DepthwiseConv2dNative",
                  "DepthwiseConv2dNative",
                  "dw/depthwise_kernel",
                  new long[] {3, 3, 32, 1},
                  "dw/bias",
                  "Relu6",
                  "conv1/MaxPool:0",
                  "dw/Relu6:0"),
              new QuantizableLayer(
                  "pw/Conv2d",
                  "Conv2D",
                  "pw/kernel",
                  new long[] {1, 1, 32, 64},
                  "pw/bias",
                  "Relu",
                  "dw/Relu6:0",
                  "pw/Relu:0"),
              new QuantizableLayer(
                  "dense1/MatMul",
                  "MatMul",
                  "dense1/kernel",
                  new long[] {3136, 128},
                  "dense1/bias",
                  "Relu",
                  "flatten/Reshape:0",
                  "dense1/Relu:0"),
              new QuantizableLayer(
                  "logits/MatMul",
                  "MatMul",
                  "logits/kernel",
                  new long[] {128, 10},
                  "logits/bias",
                  null,
                  "dense1/Relu:0",
                  "logits/BiasAdd:0")),
          LayerInspector.inspect(bundle.graph()));
    }
  }

  /**
   * A graph laid out like TF1's estimators write them: weights in VariableV2 read through {@code
   * <name>/read} identities, a fixed batch size, batch norm after the first convolution, a residual
   * addition after the second, a depthwise convolution, and a dense head. A MatMul of two
   * activations and a convolution with a constant kernel are not quantizable layers.
   */
  @Test
  void findsLayersOfATf1StyleSavedModelWithBatchNormAndAResidualAdd(@TempDir Path dir)
      throws Exception {
    Path model = dir.resolve("tf1");
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

    try (SavedModelBundle bundle = SavedModels.load(model)) {
      List<QuantizableLayer> layers = LayerInspector.inspect(bundle.graph());
      assertEquals(
          List.of("conv2d/kernel", "conv2d_1/kernel", "depthwise/depthwise_kernel", "dense/kernel"),
          layers.stream().map(QuantizableLayer::weight).toList());
      assertEquals(
          List.of("Conv2D", "Conv2D", "DepthwiseConv2dNative", "MatMul"),
          layers.stream().map(QuantizableLayer::op).toList());
      QuantizableLayer first = layers.get(0);
      assertEquals(List.of(3L, 3L, 3L, 8L), box(first.shape()));
      assertEquals(null, first.bias(), "batch norm follows, not a bias");
      assertEquals(null, first.activation(), "batch norm follows, not an activation");
      QuantizableLayer residual = layers.get(1);
      assertEquals("conv2d_1/bias", residual.bias());
      assertEquals(null, residual.activation(), "the residual add follows the bias");
      assertEquals("relu/Relu:0", residual.input());
      assertEquals("conv2d_1/BiasAdd:0", residual.output(), "compared before the residual add");
      QuantizableLayer depthwise = layers.get(2);
      assertEquals(List.of(3L, 3L, 8L, 1L), box(depthwise.shape()));
      assertEquals(null, depthwise.bias());
      assertEquals("Relu6", depthwise.activation());
      assertEquals("depthwise/Relu6:0", depthwise.output());
      QuantizableLayer head = layers.get(3);
      assertEquals("dense/bias", head.bias());
      assertEquals(null, head.activation(), "softmax is an output, not a layer activation");
    }
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

  private static List<Long> box(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
