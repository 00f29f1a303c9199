package io.github.adaround.engine;

import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.NotQuantized;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.LossReport;

/** Hears the engine's progress, layer by layer. */
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
}
