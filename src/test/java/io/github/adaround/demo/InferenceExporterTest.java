package io.github.adaround.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.data.DatasetLocation;
import io.github.adaround.data.FashionMnist;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import io.github.adaround.source.SavedModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class InferenceExporterTest {
  @TempDir Path dir;

  @Test
  void exportedModelComputesExactlyWhatTheBuiltGraphComputes() throws Exception {
    ModelParameters weights = ModelParameters.glorotUniform(FashionCnn.PARAMETERS, 5);
    LabeledImages images =
        FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TEST).first(7);
    Path model = dir.resolve("model");
    InferenceExporter.export(weights, model);

    float[] expected = DirectForward.logits(weights, images.pixels(), 7);
    float[] actual = new float[7 * FashionCnn.CLASSES];
    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), SavedModels.SERVE);
        TFloat32 input =
            TFloat32.tensorOf(
                Shape.of(7, 28, 28, 1), DataBuffers.of(images.pixels(), true, false));
        var result = bundle.function(FashionCnn.SIGNATURE).call(Map.of(FashionCnn.INPUT, input))) {
      ((TFloat32) result.get(FashionCnn.OUTPUT).orElseThrow())
          .copyTo(DataBuffers.of(actual, false, false));
      assertEquals(weights, DirectForward.weightsOf(bundle));
    }
    assertArrayEquals(expected, actual);
  }

  @Test
  void exportedGraphIsACleanInferenceGraph() throws Exception {
    Path model = dir.resolve("model");
    InferenceExporter.export(ModelParameters.glorotUniform(FashionCnn.PARAMETERS, 5), model);

    try (SavedModelBundle bundle = SavedModelBundle.load(model.toString(), SavedModels.SERVE)) {
      List<String> variables = new ArrayList<>();
      bundle
          .graph()
          .operations()
          .forEachRemaining(
              (GraphOperation op) -> {
                if (op.type().startsWith("Var")) {
                  variables.add(op.name() + ":" + op.type());
                }
              });
      assertEquals(
          FashionCnn.PARAMETERS.stream().map(p -> p.name() + ":VariableV2").toList(), variables);
      Signature signature =
          bundle.signatures().stream()
              .filter(s -> s.key().equals(FashionCnn.SIGNATURE))
              .findFirst()
              .orElseThrow();
      assertArrayEquals(
          new long[] {-1, 28, 28, 1}, signature.getInputs().get(FashionCnn.INPUT).shape.asArray());
      assertArrayEquals(
          new long[] {-1, 10}, signature.getOutputs().get(FashionCnn.OUTPUT).shape.asArray());
    }
  }

  @Test
  void classifierPredictsTheTopLogit() throws Exception {
    ModelParameters weights = ModelParameters.glorotUniform(FashionCnn.PARAMETERS, 9);
    LabeledImages images =
        FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TEST).first(50);
    Path model = dir.resolve("model");
    InferenceExporter.export(weights, model);
    try (SavedModelClassifier classifier = SavedModelClassifier.load(model)) {
      assertArrayEquals(
          DirectForward.predict(weights, images.pixels(), 50),
          classifier.predict(images.pixels(), 50));
    }
  }
}
