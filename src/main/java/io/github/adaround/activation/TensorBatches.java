package io.github.adaround.activation;

import java.util.List;
import java.util.function.Consumer;

/**
 * A way to run a model on its calibration samples: gives, batch after batch, the values of the
 * asked tensors for the samples of that batch (no padding rows), in the order asked.
 */
@FunctionalInterface
interface TensorBatches {

  void forEach(List<String> tensors, Consumer<List<float[]>> batch);
}
