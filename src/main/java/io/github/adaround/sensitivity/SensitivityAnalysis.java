package io.github.adaround.sensitivity;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.data.InputSamples;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.rebuild.WeightChannels;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;

/**
 * Measures each layer's sensitivity to its bit width (the per-layer analysis of HAWQ-V3 and AIMET's
 * AMP): for each layer and each candidate width, that layer's weight alone is rounded to nearest
 * ({@link NearestWeight}) in the model, the model is run on the samples, and its first output is
 * compared with the FP model's ({@link OutputDistance}); then the FP weight is put back.
 */
public final class SensitivityAnalysis {

  private final ModelSession model;
  private final InputSamples samples;
  private final boolean perChannel;

  /**
   * @param model the FP model; its weights are changed during {@link #measure} and restored after
   *     each measurement
   * @param samples the samples the outputs are compared on
   * @param perChannel one scale per output channel (else per tensor)
   */
  public SensitivityAnalysis(ModelSession model, InputSamples samples, boolean perChannel) {
    this.model = model;
    this.samples = samples;
    this.perChannel = perChannel;
  }

  /**
   * The sensitivity of each of {@code layers} at each of {@code bits}, in layer order.
   *
   * @param progress told each layer's result as it is measured
   */
  public List<LayerSensitivity> measure(
      List<QuantizableLayer> layers, int[] bits, Consumer<LayerSensitivity> progress) {
    String output = model.outputNames().get(0);
    float[] fp = outputs(output);
    int classes = Math.toIntExact(lastAxis(model.sampleShapeOf(output, samples)));
    List<LayerSensitivity> result = new ArrayList<>();
    for (QuantizableLayer layer : layers) {
      float[] weight = model.read(layer.weight());
      Shape shape = Shape.of(layer.shape());
      SortedMap<Integer, OutputDistance> byBits = new TreeMap<>();
      try {
        for (int b : bits) {
          model.write(
              layer.weight(), shape, NearestWeight.of(weight, layer.shape(), spec(layer, b)));
          byBits.put(b, OutputDistance.of(fp, outputs(output), classes));
        }
      } finally {
        model.write(layer.weight(), shape, weight);
      }
      LayerSensitivity s =
          new LayerSensitivity(layer.name(), layer.op(), layer.weight(), weight.length, byBits);
      result.add(s);
      progress.accept(s);
    }
    return result;
  }

  private QuantSpec spec(QuantizableLayer layer, int bits) {
    QuantSpec spec = QuantSpec.signed(bits);
    if (!perChannel) {
      return spec;
    }
    GraphOperation op = model.graph().operationOrThrow(layer.name());
    int[] axes = WeightChannels.axes(op, layer);
    return axes == null ? spec : spec.perChannel(axes);
  }

  private float[] outputs(String output) {
    List<float[]> chunks = new ArrayList<>();
    model.forEachChunk(List.of(output), samples, values -> chunks.add(values.get(0)));
    int n = chunks.stream().mapToInt(c -> c.length).sum();
    float[] all = new float[n];
    int at = 0;
    for (float[] c : chunks) {
      System.arraycopy(c, 0, all, at, c.length);
      at += c.length;
    }
    return all;
  }

  private static long lastAxis(Shape sample) {
    return sample.numDimensions() == 0 ? 1 : sample.get(sample.numDimensions() - 1);
  }
}
