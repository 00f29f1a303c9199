package io.github.adaround.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.data.Calibration;
import io.github.adaround.data.NpyReader;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.tf.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.TrackableObjectGraphOuterClass.TrackableObjectGraph;
import org.tensorflow.types.TFloat32;

/**
 * A Keras SavedModel exported by TF 2.11 ({@code model.save()}), as a {@link ModelSource}: layers
 * inside its functions, an inlined graph that computes what the model computes, weights read and
 * written through the outer resource variables, and an export that its own saver writes.
 */
class FunctionSavedModelTest {
  private static final Path KERAS =
      Path.of("src", "test", "resources", "models", "keras-dense-tfnet");
  private static final String SIGNATURE = "serving_default";

  private static float[] samples(int n) {
    Random random = new Random(5);
    float[] x = new float[n * 784];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    return x;
  }

  @Test
  void findsTheDenseLayersInsideTheFunctions() throws Exception {
    try (ModelSource model = ModelSources.open(KERAS, SIGNATURE, Set.of())) {
      assertInstanceOf(FunctionSavedModel.class, model);
      List<QuantizableLayer> layers = LayerInspector.inspect(model.graph(), model.outputTensors());

      assertEquals(
          List.of("dense/kernel", "dense_1/kernel"),
          layers.stream().map(QuantizableLayer::weight).toList());
      assertEquals(
          List.of(784L, 100L), List.of(layers.get(0).shape()[0], layers.get(0).shape()[1]));
      assertEquals("dense/bias", layers.get(0).bias());
      assertEquals("Relu", layers.get(0).activation());
      assertEquals("dense_1/bias", layers.get(1).bias());
      assertEquals(null, layers.get(1).activation(), "softmax is the output, not an activation");
    }
  }

  @Test
  void readsTheWeightsThatTheExportingProjectsTestsKnow() throws Exception {
    try (ModelSource model = ModelSources.open(KERAS, SIGNATURE, Set.of())) {
      assertArrayEquals(
          NpyReader.read(KERAS.resolve("kernel1.npy")).values(), model.read("dense_1/kernel"), 0f);
      assertArrayEquals(
          NpyReader.read(KERAS.resolve("bias0.npy")).values(), model.read("dense/bias"), 0f);
    }
  }

  @Test
  void theInlinedGraphMustComputeWhatTheModelComputes() throws Exception {
    try (ModelSource model = ModelSources.open(KERAS, SIGNATURE, Set.of())) {
      float[] x = samples(300);
      assertDoesNotThrow(() -> model.verify(Calibration.of(x, 300).samples()));

      float[] bias = model.read("dense_1/bias");
      bias[3] += 1e-3f;
      try (TFloat32 changed = TensorData.floats(Shape.of(10), bias)) {
        new VariableAccess(model.graph(), model.session()).write("dense_1/bias", changed);
      }
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class, () -> model.verify(Calibration.of(x, 300).samples()));
      assertTrue(e.getMessage().contains("differs from the model's own"), e.getMessage());
    }
  }

  /**
   * The model's own saver writes the object graph that {@code saved_model.pb} holds, which names
   * the same checkpoint keys as the input's (Python's {@code full_name} of a variable may differ).
   */
  @Test
  void theExportKeepsEveryCheckpointKeyAndChangesOnlyTheWrittenWeight(@TempDir Path dir)
      throws Exception {
    Path out = dir.resolve("out");
    float[] written;
    try (ModelSource model = ModelSources.open(KERAS, SIGNATURE, Set.of())) {
      written = model.read("dense/kernel");
      for (int i = 0; i < written.length; i++) {
        written[i] = Math.round(written[i] * 64) / 64f;
      }
      model.write("dense/kernel", Shape.of(784, 100), written);
      model.export(out);
    }

    Map<String, byte[]> before = Checkpoint.entries(KERAS, KERAS);
    Map<String, byte[]> after = Checkpoint.entries(KERAS, out);
    assertEquals(List.copyOf(before.keySet()), List.copyOf(after.keySet()));
    List<String> changed =
        before.keySet().stream()
            .filter(k -> !java.util.Arrays.equals(before.get(k), after.get(k)))
            .toList();
    String objectGraph = "_CHECKPOINTABLE_OBJECT_GRAPH";
    assertEquals(
        List.of("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE", objectGraph), changed);
    assertEquals(checkpointKeys(before.get(objectGraph)), checkpointKeys(after.get(objectGraph)));
    float[] stored = new float[written.length];
    ByteBuffer.wrap(after.get(changed.get(0)))
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer()
        .get(stored);
    assertArrayEquals(written, stored, 0f);
    assertTrue(ExportedWeights.sameFile(KERAS, out, "saved_model.pb"));
  }

  private static List<String> checkpointKeys(byte[] objectGraph) throws Exception {
    return TrackableObjectGraph.parseFrom(objectGraph).getNodesList().stream()
        .flatMap(n -> n.getAttributesList().stream())
        .map(a -> a.getCheckpointKey())
        .toList();
  }
}
