package io.github.adaround.cache;

import io.github.adaround.data.Calibration;
import io.github.adaround.data.InputSamples;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One block's cached activations within a memory budget, as {@link LayerCaches} caches a layer's:
 * each of its input tensors from the partly quantized model (earlier blocks hardened) and its FP
 * output from the untouched one, on the calibration samples (80% of the budget, shared equally by
 * the tensors) and on the held-back samples (20%), when there are any.
 */
public final class BlockCaches implements AutoCloseable {

  private final List<ActivationCache> inputs;
  private final ActivationCache targets;
  private final List<ActivationCache> checkInputs;
  private final ActivationCache checkTargets;

  private BlockCaches(
      List<ActivationCache> inputs,
      ActivationCache targets,
      List<ActivationCache> checkInputs,
      ActivationCache checkTargets) {
    this.inputs = inputs;
    this.targets = targets;
    this.checkInputs = checkInputs;
    this.checkTargets = checkTargets;
  }

  /**
   * Caches the tensors {@code inputTensors} of {@code quantized} and {@code output} of {@code fp}.
   */
  public static BlockCaches of(
      ModelSession fp,
      ModelSession quantized,
      List<String> inputTensors,
      String output,
      Calibration calibration,
      long budgetBytes) {
    long share = budgetBytes / (inputTensors.size() + 1);
    List<ActivationCache> in =
        cacheAll(quantized, inputTensors, calibration.samples(), share * 8 / 10);
    ActivationCache targets = cache(fp, output, calibration.samples(), share * 8 / 10);
    if (calibration.heldBackCount() == 0) {
      return new BlockCaches(in, targets, null, null);
    }
    return new BlockCaches(
        in,
        targets,
        cacheAll(quantized, inputTensors, calibration.heldBack(), share * 2 / 10),
        cache(fp, output, calibration.heldBack(), share * 2 / 10));
  }

  private static List<ActivationCache> cacheAll(
      ModelSession model, List<String> tensors, InputSamples samples, long bytes) {
    List<ActivationCache> caches = new ArrayList<>();
    for (String tensor : tensors) {
      caches.add(cache(model, tensor, samples, bytes));
    }
    return caches;
  }

  private static ActivationCache cache(
      ModelSession model, String tensor, InputSamples samples, long bytes) {
    ActivationCache[] cache = new ActivationCache[1];
    model.forEachChunk(
        tensor,
        samples,
        (values, rows, sampleShape) -> {
          if (cache[0] == null) {
            cache[0] =
                new ActivationCache(
                    sampleShape,
                    samples.count(),
                    bytes,
                    Path.of(System.getProperty("java.io.tmpdir")));
          }
          cache[0].append(values, rows);
        });
    return cache[0];
  }

  /** The block's inputs on the calibration samples, one set per input tensor. */
  public List<ActivationCache> inputs() {
    return inputs;
  }

  /** The FP block outputs on the calibration samples. */
  public ActivationCache targets() {
    return targets;
  }

  /** Whether samples were held back from training. */
  public boolean heldBack() {
    return checkInputs != null;
  }

  /** The inputs that results are checked on: held back ones, else the calibration samples. */
  public List<ActivationCache> checkInputs() {
    return heldBack() ? checkInputs : inputs;
  }

  /** The FP outputs that results are checked against. */
  public ActivationCache checkTargets() {
    return heldBack() ? checkTargets : targets;
  }

  @Override
  public void close() {
    inputs.forEach(ActivationCache::close);
    targets.close();
    if (heldBack()) {
      checkInputs.forEach(ActivationCache::close);
      checkTargets.close();
    }
  }
}
