package io.github.adaround.config;

import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.quant.Grid;
import io.github.adaround.train.AdaroundRecipe;
import java.util.Set;

/**
 * What {@link io.github.adaround.engine.AdaroundEngine} does to a model, immutable.
 *
 * @param bits signed weight bit width, 2..8
 * @param perChannel one scale per output channel (else per tensor)
 * @param grid how scales are chosen
 * @param recipe the AdaRound recipe of every layer
 * @param nearest round to nearest on the same grid instead of learning the rounding (the baseline)
 * @param cacheBytes memory for the cached activations of one layer; the rest spills to disk
 * @param signature the signature whose input is fed
 * @param storage how the exported model stores the quantized weights
 * @param allowedOps op types that touch files, processes or the network and may run anyway
 * @param keepBest keep rounding to nearest for a layer where AdaRound's output error is higher
 * @param activations what is done with activations
 * @param encodingsVersion the AIMET format of {@code encodings.json}
 * @param foldBatchNorm fold each inference batch norm into the layer before it first, and quantize
 *     the folded weight
 */
public record QuantizeConfig(
    int bits,
    boolean perChannel,
    Grid grid,
    AdaroundRecipe recipe,
    boolean nearest,
    long cacheBytes,
    String signature,
    Storage storage,
    Set<String> allowedOps,
    boolean keepBest,
    ActivationConfig activations,
    EncodingsVersion encodingsVersion,
    boolean foldBatchNorm) {

  public static final int MIN_BITS = 2;
  public static final int MAX_BITS = 8;

  /**
   * 4 bits per tensor, MSE grid, the paper's recipe, 2 GiB of cache, {@code serving_default}, float
   * storage.
   */
  public static final QuantizeConfig DEFAULT =
      new QuantizeConfig(
          4,
          false,
          Grid.MSE,
          AdaroundRecipe.PAPER,
          false,
          2048L << 20,
          "serving_default",
          Storage.FLOAT,
          Set.of(),
          true,
          ActivationConfig.FLOAT,
          EncodingsVersion.V0_6_1,
          false);

  public QuantizeConfig {
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new IllegalArgumentException(
          "--bits must be in " + MIN_BITS + ".." + MAX_BITS + ", got " + bits);
    }
    if (cacheBytes < 0) {
      throw new IllegalArgumentException("cache size must not be negative");
    }
    allowedOps = Set.copyOf(allowedOps);
  }

  public QuantizeConfig withBits(int value) {
    return new QuantizeConfig(
        value,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withPerChannel(boolean value) {
    return new QuantizeConfig(
        bits,
        value,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withGrid(Grid value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        value,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withRecipe(AdaroundRecipe value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        value,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withNearest(boolean value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        value,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withCacheBytes(long value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        value,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withStorage(Storage value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        value,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withSignature(String value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        value,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withAllowedOps(Set<String> value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        value,
        keepBest,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withKeepBest(boolean value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        value,
        activations,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withActivations(ActivationConfig value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        value,
        encodingsVersion,
        foldBatchNorm);
  }

  public QuantizeConfig withEncodingsVersion(EncodingsVersion value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        value,
        foldBatchNorm);
  }

  public QuantizeConfig withFoldBatchNorm(boolean value) {
    return new QuantizeConfig(
        bits,
        perChannel,
        grid,
        recipe,
        nearest,
        cacheBytes,
        signature,
        storage,
        allowedOps,
        keepBest,
        activations,
        encodingsVersion,
        value);
  }
}
