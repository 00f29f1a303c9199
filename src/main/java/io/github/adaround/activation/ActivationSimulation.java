package io.github.adaround.activation;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.data.Calibration;
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
public final class ActivationSimulation {

  private final ActivationTensors tensors;
  private final ActivationConfig config;

  private ActivationSimulation(ActivationTensors tensors, ActivationConfig config) {
    this.tensors = tensors;
    this.config = config;
  }

  public static ActivationSimulation of(
      ModelSession model, List<QuantizableLayer> layers, ActivationConfig config) {
    return new ActivationSimulation(
        ActivationTensorFinder.find(model.graph(), model.inputNames(), model.outputNames(), layers),
        config);
  }

  public ActivationTensors tensors() {
    return tensors;
  }

  /** Each quantized tensor's range on {@code model} with the calibration samples. */
  public Map<String, MeasuredRange> measure(ModelSession model, Calibration calibration) {
    return ActivationRanges.measure(
        (names, sink) -> model.forEachChunk(names, calibration.samples(), sink),
        tensors.quantized(),
        config.bits(),
        config.range());
  }

  /** Exports {@code model} with each quantized tensor fake-quantized on its range. */
  public static void export(ModelSession model, Map<String, MeasuredRange> ranges, Path dir)
      throws IOException {
    Map<String, ActivationEncoding> encodings = new LinkedHashMap<>();
    ranges.forEach((tensor, range) -> encodings.put(tensor, range.encoding()));
    FakeQuantExport.export(model, encodings, dir);
  }
}
