package io.github.adaround.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.adaround.data.DatasetLocation;
import io.github.adaround.data.FashionMnist;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import io.github.adaround.source.SavedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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
import org.tensorflow.types.TFloat32;

/** The committed model, evaluated two ways. */
class EvaluatorTest {
  static final Path BUNDLED_MODEL = Path.of("models", "fashion-mnist-cnn");

  @Test
  void accuracyOnTheBundledSubsetAgreesWithADirectComputation() throws Exception {
    LabeledImages test = FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TEST);
    Evaluator.Accuracy accuracy;
    try (SavedModelClassifier classifier = SavedModelClassifier.load(BUNDLED_MODEL)) {
      accuracy = Evaluator.evaluate(classifier, test, ProgressListener.NONE);
    }
    ModelParameters weights;
    try (SavedModelBundle bundle = SavedModels.load(BUNDLED_MODEL)) {
      weights = DirectForward.weightsOf(bundle);
    }
    int[] predicted = DirectForward.predict(weights, test.pixels(), test.count());
    int correct = 0;
    for (int i = 0; i < test.count(); i++) {
      correct += predicted[i] == test.label(i) ? 1 : 0;
    }

    assertEquals(new Evaluator.Accuracy(correct, 2000), accuracy);
    assertTrue(accuracy.value() >= 0.90, "accuracy " + accuracy.value());
  }

  @Test
  void bundledModelReachesNinetyOnePercentOnTheFullTestSplit() throws Exception {
    assumeTrue(
        Files.isDirectory(DatasetLocation.DEBIAN_PACKAGE_DIR),
        "needs the dataset-fashion-mnist package");
    LabeledImages test =
        FashionMnist.load(
            DatasetLocation.resolve(Optional.of(DatasetLocation.DEBIAN_PACKAGE_DIR)), Split.TEST);
    try (SavedModelClassifier classifier = SavedModelClassifier.load(BUNDLED_MODEL)) {
      Evaluator.Accuracy accuracy = Evaluator.evaluate(classifier, test, ProgressListener.NONE);
      assertEquals(10_000, accuracy.samples());
      assertTrue(accuracy.value() >= 0.91, "accuracy " + accuracy.value());
    }
  }

  @Test
  void aModelWithAFixedBatchSizeIsFedPaddedBatches(@TempDir Path dir) throws Exception {
    ModelParameters weights = ModelParameters.glorotUniform(FashionCnn.PARAMETERS, 11);
    Path model = dir.resolve("fixed-batch");
    exportWithFixedBatch(weights, 4, model);
    LabeledImages test =
        FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TEST).first(10);

    try (SavedModelClassifier classifier = SavedModelClassifier.load(model)) {
      assertEquals(4, classifier.fixedBatchSize());
      Evaluator.Accuracy accuracy = Evaluator.evaluate(classifier, test, ProgressListener.NONE);
      int[] expected = DirectForward.predict(weights, test.pixels(), 10);
      int correct = 0;
      for (int i = 0; i < 10; i++) {
        correct += expected[i] == test.label(i) ? 1 : 0;
      }
      assertEquals(new Evaluator.Accuracy(correct, 10), accuracy);
    }
  }

  /** A TF1-style export: the batch dimension fixed, the weights in VariableV2s. */
  private static void exportWithFixedBatch(ModelParameters weights, int batch, Path dir)
      throws Exception {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> input =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, 28, 28, 1)));
      Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
      for (Parameter p : weights.parameters()) {
        variables.put(
            p.name(),
            tf.variable(
                tf.constant(p.shape(), DataBuffers.of(weights.values(p.name()), true, false))));
      }
      Operand<TFloat32> logits = FashionCnn.logits(new LayerScopes(tf), input, variables);
      session.initialize();
      SavedModelBundle.exporter(dir.toString())
          .withSession(session)
          .withSignature(
              Signature.builder(FashionCnn.SIGNATURE)
                  .input("images", input)
                  .output("scores", logits)
                  .build())
          .export();
    }
  }
}
