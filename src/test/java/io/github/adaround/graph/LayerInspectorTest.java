package io.github.adaround.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.model.SavedModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.SavedModelBundle;

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
    Path model = Tf1StyleModel.export(dir.resolve("tf1"));

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

  private static List<Long> box(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
