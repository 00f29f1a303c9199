package io.github.adaround.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.Tf1StyleModel;
import io.github.adaround.source.SavedModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;

/** Which tensors an integer runtime quantizes, on two differently built graphs. */
class ActivationTensorFinderTest {

  private static ActivationTensors find(SavedModelBundle bundle, String input, String... outputs) {
    Graph graph = bundle.graph();
    return ActivationTensorFinder.find(
        graph, List.of(input), List.of(outputs), LayerInspector.inspect(graph, List.of(outputs)));
  }

  @Test
  void bundledModelHasItsInputEachFusedLayerOutputAndThePoolsQuantizedAndTheFlattenAliased()
      throws Exception {
    try (SavedModelBundle bundle = SavedModels.load(Path.of("models", "fashion-mnist-cnn"))) {
      ActivationTensors tensors = find(bundle, "input:0", "logits/BiasAdd:0");
      assertEquals(
          List.of(
              "input:0",
              "conv1/Relu:0",
              "conv1/MaxPool:0",
              "dw/Relu6:0",
              "pw/Relu:0",
              "pw/MaxPool:0",
              "dense1/Relu:0",
              "logits/BiasAdd:0"),
          tensors.quantized());
      assertEquals(Map.of("flatten/Reshape:0", "pw/MaxPool:0"), tensors.aliases());
      assertEquals("pw/MaxPool:0", tensors.sourceOf("flatten/Reshape:0"));
      assertThrows(IllegalArgumentException.class, () -> tensors.sourceOf("conv1/BiasAdd:0"));
    }
  }

  @Test
  void batchNormAndAReluAfterAnAddAreFusedAndOpsOffThePathAreLeftOut(@TempDir Path dir)
      throws Exception {
    try (SavedModelBundle bundle = SavedModels.load(Tf1StyleModel.export(dir.resolve("m")))) {
      ActivationTensors tensors = find(bundle, "images:0", "Softmax:0", "gram/MatMul:0");
      assertEquals(
          List.of(
              "images:0",
              "relu/Relu:0",
              "conv2d_1/BiasAdd:0",
              "relu_1/Relu:0",
              "depthwise/Relu6:0",
              "fixed/Conv2d:0",
              "Mean:0",
              "gram/MatMul:0",
              "dense/Add:0",
              "Softmax:0"),
          tensors.quantized());
      assertEquals(Map.of(), tensors.aliases());
    }
  }
}
