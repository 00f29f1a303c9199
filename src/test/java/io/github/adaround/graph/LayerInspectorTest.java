package io.github.adaround.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TFloat32;

class LayerInspectorTest {
  private static final String SIGNATURE = "serving_default";

  @Test
  void findsTheFiveLayersOfTheBundledModel() throws Exception {
    try (ModelSource source =
        ModelSources.open(Path.of("models", "fashion-mnist-cnn"), SIGNATURE, Set.of())) {
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
          LayerInspector.inspect(source.graph(), source.outputTensors()));
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
    Path model = Tf1StyleModel.export(dir.resolve("tf1"));

    try (ModelSource source = ModelSources.open(model, SIGNATURE, Set.of())) {
      List<QuantizableLayer> layers =
          LayerInspector.inspect(source.graph(), source.outputTensors());
      assertEquals(
          List.of("conv2d/kernel", "conv2d_1/kernel", "depthwise/depthwise_kernel", "dense/kernel"),
          layers.stream().map(QuantizableLayer::weight).toList());
      assertEquals(
          List.of("Conv2D", "Conv2D", "DepthwiseConv2dNative", "MatMul"),
          layers.stream().map(QuantizableLayer::op).toList());
      QuantizableLayer first = layers.get(0);
      assertEquals(List.of(3L, 3L, 3L, 8L), box(first.shape()));
      assertEquals(null, first.bias(), "batch norm follows, not a bias");
      assertEquals(BatchNorm.Form.FUSED, first.batchNorm().form());
      assertEquals(
          List.of(
              "batch_normalization/gamma_read:0",
              "batch_normalization/beta_read:0",
              "batch_normalization/moving_mean_read:0",
              "batch_normalization/moving_variance_read:0"),
          first.batchNorm().parameters());
      assertEquals("Relu", first.activation(), "the activation after the batch norm");
      assertEquals("relu/Relu:0", first.output(), "compared after the batch norm and the ReLU");
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
      assertEquals(
          List.of("fixed/Conv2d (Conv2D) Const", "gram/MatMul (MatMul) Mean"),
          LayerInspector.notQuantized(source.graph(), source.outputTensors()).stream()
              .map(
                  n ->
                      n.name()
                          + " ("
                          + n.op()
                          + ") "
                          + n.reason().replaceAll(".*it comes from (\\w+)\\)$", "$1"))
              .toList(),
          "a SavedModel's constant kernel and a product of two activations");
    }
  }

  /**
   * A TF1 graph with resource variables and two copies of its layer ops sharing them (as TF 1.15
   * exports of Keras models hold): only the copy that feeds the output is listed; a weight that two
   * layer ops of that copy read is listed once.
   */
  @Test
  void onlyLayersOnTheOutputsPathAndEachWeightOnce() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      VarHandleOp kernel =
          tf.withName("kernel")
              .varHandleOp(TFloat32.class, Shape.of(4, 4), VarHandleOp.sharedName("kernel"));
      VarHandleOp head =
          tf.withName("head")
              .varHandleOp(TFloat32.class, Shape.of(4, 2), VarHandleOp.sharedName("head"));
      Ops model = tf.withSubScope("model");
      Ops training = tf.withSubScope("training_copy");
      Operand<TFloat32> served = x;
      Operand<TFloat32> copy = x;
      for (String layer : List.of("layer", "layer_1")) {
        served = dense(model.withSubScope(layer), served, kernel);
        copy = dense(training.withSubScope(layer), copy, kernel);
      }
      Operand<TFloat32> y =
          model.withName("y").linalg.matMul(served, model.readVariableOp(head, TFloat32.class));
      training.linalg.matMul(copy, training.readVariableOp(head, TFloat32.class));

      List<QuantizableLayer> layers = LayerInspector.inspect(graph, List.of(y.op().name() + ":0"));

      assertEquals(
          List.of("model/layer/MatMul", "model/y"),
          layers.stream().map(QuantizableLayer::name).toList());
      assertEquals(
          List.of("kernel", "head"), layers.stream().map(QuantizableLayer::weight).toList());
      assertEquals(List.of("model/layer_1/MatMul"), layers.get(0).alsoReadBy());
      assertEquals(List.of(), layers.get(1).alsoReadBy());
    }
  }

  /**
   * An activation built from several ops (swish, {@code y * sigmoid(y)}, as Keras writes it) is not
   * rebuilt: the layer is compared before it, and the ops are named.
   */
  @Test
  void anActivationOfSeveralOpsIsNamedAndTheTargetTakenBeforeIt() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      VarHandleOp kernel =
          tf.withName("kernel")
              .varHandleOp(TFloat32.class, Shape.of(4, 3), VarHandleOp.sharedName("kernel"));
      VarHandleOp bias =
          tf.withName("bias")
              .varHandleOp(TFloat32.class, Shape.of(3), VarHandleOp.sharedName("bias"));
      Operand<TFloat32> y =
          tf.withName("BiasAdd")
              .nn
              .biasAdd(
                  tf.withName("MatMul").linalg.matMul(x, tf.readVariableOp(kernel, TFloat32.class)),
                  tf.readVariableOp(bias, TFloat32.class));
      Operand<TFloat32> swish = tf.withName("swish").math.mul(y, tf.math.sigmoid(y));

      QuantizableLayer layer = LayerInspector.inspect(graph, List.of(swish.op().name())).get(0);

      assertEquals("bias", layer.bias());
      assertEquals(null, layer.activation());
      assertEquals("BiasAdd:0", layer.output());
      assertEquals(List.of("Mul", "Sigmoid"), layer.followedBy());
    }
  }

  private static Operand<TFloat32> dense(Ops layer, Operand<TFloat32> x, VarHandleOp kernel) {
    return layer.nn.relu(layer.linalg.matMul(x, layer.readVariableOp(kernel, TFloat32.class)));
  }

  private static List<Long> box(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
