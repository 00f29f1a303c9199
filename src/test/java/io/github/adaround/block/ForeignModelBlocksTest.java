package io.github.adaround.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.kws.KeywordSpotter;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/**
 * Blocks of models exported by others, and their copies computing the model's tensors bit for bit:
 * a TF2 Keras SavedModel (resource variables, its functions inlined), a frozen keyword spotter
 * (depthwise-separable convolutions with batch norm) and a frozen CIFAR net.
 */
class ForeignModelBlocksTest {
  private static final Path MODELS = Path.of("src", "test", "resources", "models");

  @Test
  void aKerasSavedModelsBlocksReproduceIt() throws Exception {
    try (ModelSource source =
        ModelSources.open(MODELS.resolve("keras-dense-tfnet"), "serving_default", Set.of())) {
      assertEveryLayerInABlockAndBitExact(source, 6);
    }
  }

  @Test
  void theKeywordSpottersBlocksReproduceIt() throws Exception {
    try (ModelSource source =
        ModelSources.openFrozen(
            KeywordSpotter.GRAPH,
            KeywordSpotter.FEATURES,
            List.of(KeywordSpotter.SCORES),
            null,
            Set.of())) {
      assertEveryLayerInABlockAndBitExact(source, 7);
    }
  }

  @Test
  void theCifarNetsBlocksReproduceIt() throws Exception {
    try (ModelSource source =
        ModelSources.openFrozen(
            MODELS.resolve("mlnet-cifar").resolve("mlnet-cifar-frozen.pb"),
            List.of(),
            List.of(),
            null,
            Set.of())) {
      assertEveryLayerInABlockAndBitExact(source, 8);
    }
  }

  private static void assertEveryLayerInABlockAndBitExact(ModelSource source, long seed) {
    List<Block> blocks = Blocks.of(source);
    List<QuantizableLayer> layers = LayerInspector.inspect(source.graph(), source.outputTensors());
    assertFalse(blocks.isEmpty());
    assertEquals(layers, blocks.stream().flatMap(b -> b.layers().stream()).toList());
    Map<String, Shape> shapes = new HashMap<>();
    for (ModelInput input : source.inputs()) {
      shapes.put(input.tensor(), input.shape());
    }
    new BlockReplay(source.graph(), source.session(), source::read)
        .assertBitExact(blocks, BlockReplay.randomInputs(shapes, seed));
  }
}
