package io.github.adaround.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;

/**
 * A TF1 SavedModel with resource variables and a copy of its layer ops, as a {@link ModelSource}:
 * the served copy's layer, weights read and written through the graph's own read and restore ops,
 * and an export by the model's own saver.
 */
class FlatSavedModelTest {

  @Test
  void findsTheServedLayerReadsWritesAndExportsResourceVariables(@TempDir Path dir)
      throws Exception {
    Path model = Tf1ResourceModel.export(dir.resolve("tf1"));
    Path out = dir.resolve("out");
    float[] written = new float[12];
    for (int i = 0; i < written.length; i++) {
      written[i] = (i - 6) / 8f;
    }

    try (ModelSource source = ModelSources.open(model, "serving_default", Set.of())) {
      assertInstanceOf(FlatSavedModel.class, source);
      List<QuantizableLayer> layers =
          LayerInspector.inspect(source.graph(), source.outputTensors());
      assertEquals(1, layers.size(), "the training copy is not on the signature's path");
      QuantizableLayer layer = layers.get(0);
      assertTrue(layer.name().startsWith("model/"), layer.name());
      assertEquals("dense/kernel", layer.weight());
      assertEquals("dense/bias", layer.bias());
      assertEquals("Relu", layer.activation());
      assertArrayEquals(Tf1ResourceModel.KERNEL, source.read("dense/kernel"), 0f);
      assertTrue(source.rewritableBundle().isEmpty(), "TF-Java's exporter would drop them");

      source.write("dense/kernel", Shape.of(4, 3), written);
      assertArrayEquals(written, source.read("dense/kernel"), 0f);
      source.export(out);
    }

    assertTrue(ExportedWeights.sameFile(model, out, "saved_model.pb"));
    try (ModelSource reloaded = ModelSources.open(out, "serving_default", Set.of())) {
      assertArrayEquals(written, reloaded.read("dense/kernel"), 0f);
      assertArrayEquals(Tf1ResourceModel.BIAS, reloaded.read("dense/bias"), 0f);
    }
  }
}
