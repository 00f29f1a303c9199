package io.github.adaround.engine;

import io.github.adaround.block.Block;
import io.github.adaround.export.BlockReport;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.NotQuantized;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.LossReport;
import java.util.List;

/** Hears the engine's progress, layer by layer (or block by block). */
public interface EngineListener {

  EngineListener SILENT =
      new EngineListener() {
        @Override
        public void layerStarted(int index, int count, QuantizableLayer layer, int iterations) {}

        @Override
        public void lossReported(LossReport report) {}

        @Override
        public void layerFinished(LayerReport report) {}

        @Override
        public void layerRestored(int index, int count, LayerReport report) {}
      };

  /** Layer {@code index} (0-based) of {@code count} starts; it will take {@code iterations}. */
  void layerStarted(int index, int count, QuantizableLayer layer, int iterations);

  /** The loss parts of the layer in training. */
  void lossReported(LossReport report);

  /** The layer is done and written into the model. */
  void layerFinished(LayerReport report);

  /** A layer op on the outputs' path is left as it is, for {@code skipped}'s reason. */
  default void notQuantized(NotQuantized skipped) {}

  /** Layer {@code index} of {@code count} was taken from an unfinished run's state. */
  void layerRestored(int index, int count, LayerReport report);

  /**
   * Block {@code block.index()} of {@code count} starts ({@code --reconstruction block}); its
   * training will take {@code iterations}. Its losses are reported as a layer's are; no layer of it
   * is started or finished on its own.
   */
  default void blockStarted(Block block, int count, int iterations) {}

  /** The block is done and each of its layers written into the model. */
  default void blockFinished(BlockReport block, List<LayerReport> layers) {}

  /** Block {@code block.index()} of {@code count} was taken from an unfinished run's state. */
  default void blockRestored(BlockReport block, int count) {}
}
