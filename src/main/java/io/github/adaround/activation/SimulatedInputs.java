package io.github.adaround.activation;

import io.github.adaround.cache.LayerCaches;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.data.Calibration;
import io.github.adaround.error.ModelException;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.Folders;
import io.github.adaround.train.LayerFunction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.ndarray.Shape;

/**
 * Layer inputs for AdaRound under quantized activations: the simulated integer model (fake-quant
 * ops on ranges measured on the FP model), whose earlier layers' weights are hardened as the run
 * goes, gives each layer's input before its own input quantization, which the training graph then
 * applies element by element with QDrop's probability.
 */
public final class SimulatedInputs implements AutoCloseable {

  /** Opens an exported model folder as a session. */
  @FunctionalInterface
  public interface Opener {
    public ModelSession open(Path dir) throws ModelException;
  }

  private final ActivationSimulation activations;
  private final Map<String, MeasuredRange> ranges;
  private final ModelSession simulated;
  private final Path folder;
  private final float qdrop;

  private SimulatedInputs(
      ActivationSimulation activations,
      Map<String, MeasuredRange> ranges,
      ModelSession simulated,
      Path folder,
      float qdrop) {
    this.activations = activations;
    this.ranges = ranges;
    this.simulated = simulated;
    this.folder = folder;
    this.qdrop = qdrop;
  }

  /** Measures the ranges on {@code fp} and builds the simulated model in a temporary folder. */
  public static SimulatedInputs open(
      ActivationSimulation activations,
      ModelSession fp,
      Calibration calibration,
      float qdrop,
      Opener opener)
      throws IOException, ModelException {
    Map<String, MeasuredRange> ranges = activations.measure(fp, calibration);
    Path folder = Files.createTempDirectory("adaround-simulation-");
    try {
      Path model = folder.resolve("model");
      ActivationSimulation.export(fp, ranges, model);
      return new SimulatedInputs(activations, ranges, opener.open(model), folder, qdrop);
    } catch (IOException | RuntimeException e) {
      delete(folder);
      throw e;
    }
  }

  /** The layer's caches: inputs from the simulated model, FP targets from {@code fp}. */
  public LayerCaches caches(
      ModelSession fp,
      ModelSession quantized,
      QuantizableLayer layer,
      Calibration calibration,
      long budgetBytes) {
    String source = activations.tensors().sourceOf(layer.input());
    Shape shape = quantized.sampleShapeOf(layer.input(), calibration.samples());
    return LayerCaches.of(fp, simulated, source, shape, layer, calibration, budgetBytes);
  }

  /** The layer with its input quantized as QDrop does, on the input's grid. */
  public QDropInput quantizedInput(LayerFunction layer, QuantizableLayer quantizable, long seed) {
    ActivationEncoding grid =
        ranges.get(activations.tensors().sourceOf(quantizable.input())).encoding();
    return new QDropInput(layer, grid, qdrop, seed);
  }

  /** Writes a hardened weight into the simulated model too. */
  public void write(String variable, Shape shape, float[] value) {
    simulated.write(variable, shape, value);
  }

  @Override
  public void close() {
    simulated.close();
    delete(folder);
  }

  private static void delete(Path folder) {
    try {
      Folders.deleteRecursively(folder);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
