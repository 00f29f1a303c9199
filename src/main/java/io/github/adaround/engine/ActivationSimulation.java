package io.github.adaround.engine;

import io.github.adaround.activation.ActivationEncoding;
import io.github.adaround.activation.ActivationRanges;
import io.github.adaround.activation.ActivationTensorFinder;
import io.github.adaround.activation.ActivationTensors;
import io.github.adaround.activation.MeasuredRange;
import io.github.adaround.graph.QuantizableLayer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The activation side of a run: which tensors of a model an integer runtime quantizes, their ranges
 * on the calibration data, and the model with fake-quant ops after them.
 */
final class ActivationSimulation {

  private final ActivationTensors tensors;
  private final ActivationConfig config;

  private ActivationSimulation(ActivationTensors tensors, ActivationConfig config) {
    this.tensors = tensors;
    this.config = config;
  }

  static ActivationSimulation of(
      ModelSession model, List<QuantizableLayer> layers, ActivationConfig config) {
    return new ActivationSimulation(
        ActivationTensorFinder.find(
            model.graph(), model.inputName(), model.outputNames(), layers),
        config);
  }

  ActivationTensors tensors() {
    return tensors;
  }

  /** Each quantized tensor's range on {@code model} with the calibration samples. */
  Map<String, MeasuredRange> measure(ModelSession model, Calibration calibration) {
    return ActivationRanges.measure(
        (names, sink) ->
            model.forEachChunk(names, calibration.samples(), calibration.count(), sink),
        tensors.quantized(),
        config.bits(),
        config.range());
  }

  /** Exports {@code model} with each quantized tensor fake-quantized on its range. */
  static void export(ModelSession model, Map<String, MeasuredRange> ranges, Path dir)
      throws IOException {
    Map<String, ActivationEncoding> encodings = new LinkedHashMap<>();
    ranges.forEach((tensor, range) -> encodings.put(tensor, range.encoding()));
    FakeQuantExport.export(model, encodings, dir);
  }
}
