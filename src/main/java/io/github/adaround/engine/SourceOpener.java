package io.github.adaround.engine;

import io.github.adaround.error.ModelException;
import io.github.adaround.source.ModelSource;

/**
 * Opens a fresh copy of the model to be quantized; the engine opens two (the untouched FP model and
 * the one it quantizes) and closes them.
 */
@FunctionalInterface
public interface SourceOpener {

  /**
   * @throws ModelException when the model cannot be opened
   */
  ModelSource open() throws ModelException;
}
