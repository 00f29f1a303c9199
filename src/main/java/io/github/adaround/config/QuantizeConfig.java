package io.github.adaround.config;

import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.error.UserError;
import io.github.adaround.quant.Grid;
import io.github.adaround.train.AdaroundRecipe;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What {@link io.github.adaround.engine.AdaroundEngine} does to a model, immutable and checked
 * once, when it is built: start from {@link #DEFAULT} and change it with {@link #toBuilder()}.
 *
 * @param weights the grid the weights are quantized to
 * @param recipe the AdaRound recipe of every layer
 * @param nearest round to nearest on the same grid instead of learning the rounding (the baseline)
 * @param keepBest keep rounding to nearest for a layer where AdaRound's output error is higher
 * @param activations what is done with activations
 * @param cacheBytes memory for the cached activations of one layer; the rest spills to disk
 * @param model how the model is opened
 * @param output how the results are written
 * @param reconstruction what each optimisation reconstructs: a layer's output or a block's
 * @throws UserError when a value is out of range or two options do not go together
 */
public record QuantizeConfig(
    Weights weights,
    AdaroundRecipe recipe,
    boolean nearest,
    boolean keepBest,
    ActivationConfig activations,
    long cacheBytes,
    Model model,
    Output output,
    Reconstruction reconstruction) {

  public static final int MIN_BITS = 2;
  public static final int MAX_BITS = 8;

  /**
   * 4 bits per tensor, MSE grid, the paper's recipe, 2 GiB of cache, {@code serving_default}, float
   * storage.
   */
  public static final QuantizeConfig DEFAULT =
      new QuantizeConfig(
          new Weights(4, Map.of(), false, Grid.MSE, false),
          AdaroundRecipe.PAPER,
          false,
          true,
          ActivationConfig.FLOAT,
          2048L << 20,
          new Model("serving_default", Set.of()),
          new Output(Storage.FLOAT, EncodingsVersion.V0_6_1),
          Reconstruction.LAYER);

  /**
   * The weights' grid.
   *
   * @param bits signed weight bit width, 2..8, of every layer not in {@code layerBits}
   * @param layerBits the bit widths of single layers, by weight name (mixed precision), each 2..8;
   *     kept sorted by name
   * @param perChannel one scale per output channel (else per tensor)
   * @param grid how scales are chosen
   * @param foldBatchNorm fold each inference batch norm into the layer before it first, and
   *     quantize the folded weight
   */
  public record Weights(
      int bits,
      Map<String, Integer> layerBits,
      boolean perChannel,
      Grid grid,
      boolean foldBatchNorm) {
    public Weights {
      if (bits < MIN_BITS || bits > MAX_BITS) {
        throw new UserError("--bits must be in " + MIN_BITS + ".." + MAX_BITS + ", got " + bits);
      }
      layerBits.forEach(
          (weight, b) -> {
            if (b < MIN_BITS || b > MAX_BITS) {
              throw new UserError(
                  "the bits of '"
                      + weight
                      + "' must be in "
                      + MIN_BITS
                      + ".."
                      + MAX_BITS
                      + ", got "
                      + b);
            }
          });
      layerBits = Collections.unmodifiableSortedMap(new TreeMap<>(layerBits));
    }

    /** The bit width of the layer whose weight is {@code weight}. */
    public int bitsOf(String weight) {
      return layerBits.getOrDefault(weight, bits);
    }
  }

  /**
   * How the model is opened.
   *
   * @param signature the signature whose inputs are fed
   * @param allowedOps op types that touch files, processes or the network and may run anyway
   */
  public record Model(String signature, Set<String> allowedOps) {
    public Model {
      allowedOps = Set.copyOf(allowedOps);
    }
  }

  /**
   * How the results are written.
   *
   * @param storage how the exported model stores the quantized weights
   * @param encodingsVersion the AIMET format of {@code encodings.json}
   */
  public record Output(Storage storage, EncodingsVersion encodingsVersion) {}

  public QuantizeConfig {
    if (cacheBytes < 0) {
      throw new UserError("cache size must not be negative");
    }
    if (weights.foldBatchNorm() && activations.enabled()) {
      throw new UserError("--fold-batch-norm and --activation-bits cannot be combined yet");
    }
    if (reconstruction == Reconstruction.BLOCK && weights.foldBatchNorm()) {
      throw new UserError(
          "--reconstruction block keeps each batch norm in the block it trains; drop"
              + " --fold-batch-norm");
    }
    if (reconstruction == Reconstruction.BLOCK && activations.quantizedReconstruction()) {
      throw new UserError(
          "--reconstruction block takes its inputs from the float model; add --qdrop off or use"
              + " --reconstruction layer");
    }
  }

  /** A builder that starts from this configuration. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Collects the values of a {@link QuantizeConfig}; {@link #build()} checks them. */
  public static final class Builder {
    private int bits;
    private Map<String, Integer> layerBits;
    private boolean perChannel;
    private Grid grid;
    private boolean foldBatchNorm;
    private AdaroundRecipe recipe;
    private boolean nearest;
    private boolean keepBest;
    private ActivationConfig activations;
    private long cacheBytes;
    private String signature;
    private Set<String> allowedOps;
    private Storage storage;
    private EncodingsVersion encodingsVersion;
    private Reconstruction reconstruction;

    private Builder(QuantizeConfig c) {
      bits = c.weights.bits();
      layerBits = c.weights.layerBits();
      perChannel = c.weights.perChannel();
      grid = c.weights.grid();
      foldBatchNorm = c.weights.foldBatchNorm();
      recipe = c.recipe;
      nearest = c.nearest;
      keepBest = c.keepBest;
      activations = c.activations;
      cacheBytes = c.cacheBytes;
      signature = c.model.signature();
      allowedOps = c.model.allowedOps();
      storage = c.output.storage();
      encodingsVersion = c.output.encodingsVersion();
      reconstruction = c.reconstruction;
    }

    public Builder bits(int value) {
      bits = value;
      return this;
    }

    /** The bit widths of single layers, by weight name; the others take {@link #bits(int)}. */
    public Builder layerBits(Map<String, Integer> value) {
      layerBits = Map.copyOf(value);
      return this;
    }

    public Builder perChannel(boolean value) {
      perChannel = value;
      return this;
    }

    public Builder grid(Grid value) {
      grid = value;
      return this;
    }

    public Builder foldBatchNorm(boolean value) {
      foldBatchNorm = value;
      return this;
    }

    public Builder recipe(AdaroundRecipe value) {
      recipe = value;
      return this;
    }

    public Builder nearest(boolean value) {
      nearest = value;
      return this;
    }

    public Builder keepBest(boolean value) {
      keepBest = value;
      return this;
    }

    public Builder activations(ActivationConfig value) {
      activations = value;
      return this;
    }

    public Builder cacheBytes(long value) {
      cacheBytes = value;
      return this;
    }

    public Builder signature(String value) {
      signature = value;
      return this;
    }

    public Builder allowedOps(Set<String> value) {
      allowedOps = value;
      return this;
    }

    public Builder storage(Storage value) {
      storage = value;
      return this;
    }

    public Builder encodingsVersion(EncodingsVersion value) {
      encodingsVersion = value;
      return this;
    }

    public Builder reconstruction(Reconstruction value) {
      reconstruction = value;
      return this;
    }

    /**
     * The configuration.
     *
     * @throws UserError when a value is out of range or two options do not go together
     */
    public QuantizeConfig build() {
      return new QuantizeConfig(
          new Weights(bits, layerBits, perChannel, grid, foldBatchNorm),
          recipe,
          nearest,
          keepBest,
          activations,
          cacheBytes,
          new Model(signature, allowedOps),
          new Output(storage, encodingsVersion),
          reconstruction);
    }
  }
}
