package io.github.adaround.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.data.DatasetLocation;
import io.github.adaround.data.FashionMnist;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import io.github.adaround.graph.BatchNorm;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;

/**
 * The committed batch-norm test models, models/fashion-mnist-residual and
 * models/fashion-mnist-mobilenetv2: their layers, inference batch norms and residual adds, and
 * their accuracy on the bundled 2000-image test subset.
 */
class BatchNormModelsTest {
  private static final Path RESIDUAL = Path.of("models", "fashion-mnist-residual");
  private static final Path MOBILENETV2 = Path.of("models", "fashion-mnist-mobilenetv2");

  /** Measured accuracies on the subset, less a small margin (see the models' README.md). */
  private static final double RESIDUAL_SUBSET_ACCURACY = 0.915;

  private static final double MOBILENETV2_SUBSET_ACCURACY = 0.905;

  @Test
  void residualNetHasItsLayersBatchNormsAndTwoAdds() throws Exception {
    List<QuantizableLayer> layers = layers(RESIDUAL);
    assertEquals(
        List.of(
            "stem/Conv2d",
            "b1_conv1/Conv2d",
            "b1_conv2/Conv2d",
            "b2_conv1/Conv2d",
            "b2_conv2/Conv2d",
            "b2_proj/Conv2d",
            "logits/MatMul"),
        layers.stream().map(QuantizableLayer::name).toList());
    assertEquals(
        List.of("Relu", "Relu", "-", "Relu", "-", "-", "-"),
        layers.stream().map(l -> l.activation() == null ? "-" : l.activation()).toList());
    assertFusedBatchNormOnAllButTheHead(layers);
    assertEquals(List.of("b1_add/Add", "b2_add/Add"), addOps(RESIDUAL));
  }

  @Test
  void mobileNetHasDepthwiseLayersBatchNormsAndThreeAdds() throws Exception {
    List<QuantizableLayer> layers = layers(MOBILENETV2);
    assertEquals(15, layers.size());
    List<String> ops = new ArrayList<>();
    ops.add("Conv2D");
    for (int b = 0; b < 4; b++) {
      ops.addAll(List.of("Conv2D", "DepthwiseConv2dNative", "Conv2D"));
    }
    ops.add("Conv2D");
    ops.add("MatMul");
    assertEquals(ops, layers.stream().map(QuantizableLayer::op).toList());
    for (QuantizableLayer layer : layers.subList(0, 14)) {
      boolean projection = layer.name().contains("_project");
      assertEquals(projection ? null : "Relu6", layer.activation(), layer.name());
    }
    assertFusedBatchNormOnAllButTheHead(layers);
    assertEquals(List.of("ir1_add/Add", "ir3_add/Add", "ir4_add/Add"), addOps(MOBILENETV2));
  }

  @Test
  void residualNetClassifiesTheSubset() throws Exception {
    double accuracy = subsetAccuracy(RESIDUAL);
    assertTrue(accuracy >= RESIDUAL_SUBSET_ACCURACY, "subset accuracy " + accuracy);
  }

  @Test
  void mobileNetClassifiesTheSubset() throws Exception {
    double accuracy = subsetAccuracy(MOBILENETV2);
    assertTrue(accuracy >= MOBILENETV2_SUBSET_ACCURACY, "subset accuracy " + accuracy);
  }

  private static List<QuantizableLayer> layers(Path model) throws Exception {
    try (ModelSource source = ModelSources.open(model, FashionCnn.SIGNATURE, Set.of())) {
      return LayerInspector.inspect(source.graph(), source.outputTensors());
    }
  }

  private static void assertFusedBatchNormOnAllButTheHead(List<QuantizableLayer> layers) {
    for (QuantizableLayer layer : layers.subList(0, layers.size() - 1)) {
      assertNotNull(layer.batchNorm(), layer.name());
      assertEquals(BatchNorm.Form.FUSED, layer.batchNorm().form(), layer.name());
      assertNull(layer.bias(), layer.name());
    }
    assertNull(layers.get(layers.size() - 1).batchNorm());
  }

  private static List<String> addOps(Path model) throws Exception {
    List<String> adds = new ArrayList<>();
    try (ModelSource source = ModelSources.open(model, FashionCnn.SIGNATURE, Set.of())) {
      source
          .graph()
          .operations()
          .forEachRemaining(
              op -> {
                GraphOperation g = (GraphOperation) op;
                if (g.type().equals("Add") || g.type().equals("AddV2")) {
                  adds.add(g.name());
                }
              });
      // The batch norms are fused, so every add is a residual one.
      source
          .graph()
          .operations()
          .forEachRemaining(
              op -> {
                if (op.type().equals("FusedBatchNormV3")) {
                  assertEquals(
                      false, ((GraphOperation) op).attributes().getAttrBool("is_training"));
                }
              });
    }
    return adds.stream().sorted().toList();
  }

  private static double subsetAccuracy(Path model) throws Exception {
    LabeledImages test = FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TEST);
    try (SavedModelClassifier classifier = SavedModelClassifier.load(model)) {
      Evaluator.Accuracy accuracy = Evaluator.evaluate(classifier, test, ProgressListener.NONE);
      assertEquals(2000, accuracy.samples());
      return accuracy.value();
    }
  }
}
