package io.github.adaround.cache;

import io.github.adaround.data.Calibration;
import io.github.adaround.data.InputSamples;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.Samples;
import java.nio.file.Path;
import org.tensorflow.ndarray.Shape;

/**
 * One layer's cached activations within a memory budget: its inputs from the partly quantized model
 * and its FP outputs from the untouched one, on the calibration samples (40% of the budget each)
 * and on the held-back samples (10% each), when there are any.
 */
public final class LayerCaches implements AutoCloseable {

  private final ActivationCache inputs;
  private final ActivationCache targets;
  private final ActivationCache checkInputs;
  private final ActivationCache checkTargets;

  private LayerCaches(
      ActivationCache inputs,
      ActivationCache targets,
      ActivationCache checkInputs,
      ActivationCache checkTargets) {
    this.inputs = inputs;
    this.targets = targets;
    this.checkInputs = checkInputs;
    this.checkTargets = checkTargets;
  }

  public static LayerCaches of(
      ModelSession fp,
      ModelSession quantized,
      QuantizableLayer layer,
      Calibration calibration,
      long budgetBytes) {
    return of(fp, quantized, layer.input(), null, layer, calibration, budgetBytes);
  }

  /**
   * As {@link #of(ModelSession, ModelSession, QuantizableLayer, Calibration, long)}, with the
   * inputs read from tensor {@code inputTensor} of {@code inputs}, each row taken as one sample of
   * shape {@code inputShape} (null: the tensor's own).
   */
  public static LayerCaches of(
      ModelSession fp,
      ModelSession inputs,
      String inputTensor,
      Shape inputShape,
      QuantizableLayer layer,
      Calibration calibration,
      long budgetBytes) {
    ActivationCache in =
        cache(inputs, inputTensor, inputShape, calibration.samples(), budgetBytes * 4 / 10);
    ActivationCache targets =
        cache(fp, layer.output(), null, calibration.samples(), budgetBytes * 4 / 10);
    if (calibration.heldBackCount() == 0) {
      return new LayerCaches(in, targets, null, null);
    }
    return new LayerCaches(
        in,
        targets,
        cache(inputs, inputTensor, inputShape, calibration.heldBack(), budgetBytes / 10),
        cache(fp, layer.output(), null, calibration.heldBack(), budgetBytes / 10));
  }

  /**
   * The rows of {@code tensor} for the samples, kept within {@code bytes} of memory, each of shape
   * {@code shape} (null: the tensor's own).
   */
  private static ActivationCache cache(
      ModelSession model, String tensor, Shape shape, InputSamples samples, long bytes) {
    ActivationCache[] cache = new ActivationCache[1];
    model.forEachChunk(
        tensor,
        samples,
        (values, rows, sampleShape) -> {
          if (cache[0] == null) {
            if (shape != null && shape.size() != sampleShape.size()) {
              throw new IllegalArgumentException(
                  tensor + " has " + sampleShape.size() + " values per sample, not " + shape);
            }
            cache[0] =
                new ActivationCache(
                    shape == null ? sampleShape : shape,
                    samples.count(),
                    bytes,
                    Path.of(System.getProperty("java.io.tmpdir")));
          }
          cache[0].append(values, rows);
        });
    return cache[0];
  }

  /** The layer's inputs on the calibration samples. */
  public Samples inputs() {
    return inputs;
  }

  /** The FP outputs on the calibration samples. */
  public Samples targets() {
    return targets;
  }

  /** Whether samples were held back from training. */
  public boolean heldBack() {
    return checkInputs != null;
  }

  /** The inputs that results are checked on: held back ones, else the calibration samples. */
  public Samples checkInputs() {
    return heldBack() ? checkInputs : inputs;
  }

  /** The FP outputs that results are checked against. */
  public Samples checkTargets() {
    return heldBack() ? checkTargets : targets;
  }

  @Override
  public void close() {
    inputs.close();
    targets.close();
    if (heldBack()) {
      checkInputs.close();
      checkTargets.close();
    }
  }
}
