package io.github.adaround.cli;

import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.activation.RangeMethod;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.EncodingsVersion;
import io.github.adaround.config.LayerBitsFile;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Reconstruction;
import io.github.adaround.config.Storage;
import io.github.adaround.data.Calibration;
import io.github.adaround.engine.AdaroundEngine;
import io.github.adaround.engine.RunState;
import io.github.adaround.error.ModelException;
import io.github.adaround.error.UserError;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quant.Grid;
import io.github.adaround.sensitivity.BitAllocation;
import io.github.adaround.sensitivity.LayerSensitivity;
import io.github.adaround.sensitivity.SensitivityAnalysis;
import io.github.adaround.sensitivity.WeightBudget;
import io.github.adaround.source.Folders;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import io.github.adaround.train.AdaroundRecipe;
import io.github.adaround.train.Objective;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.tensorflow.ndarray.Shape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adaround quantize}: layer-wise AdaRound of a SavedModel with hardened export. */
@Command(
    name = "quantize",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Quantizes the weights of every Conv2D, DepthwiseConv2dNative and MatMul layer of a"
          + " SavedModel to a 2- to 8-bit symmetric grid with AdaRound (Nagel et al. 2020), layer"
          + " by layer in graph order, from unlabelled calibration samples.",
      "Reads flat SavedModels (TF-Java exports, TF1) and TF2/Keras SavedModels, whose layers"
          + " inside functions are found on the signature's path, and frozen GraphDefs (a .pb"
          + " file with --input and --output), whose weights are Const nodes.",
      "Writes to --out the model in its own format (a SavedModel, or the frozen graph under its"
          + " file name) whose weights are exactly scale * integer, encodings.json (AIMET format)"
          + " and report.json; with --activation-bits also fake-quant/, the simulated integer"
          + " model. The input model is only read.",
      "Calibration samples: the first --calibration images of the Fashion-MNIST training split,"
          + " or .npy files of model inputs, one per input (--calibration-npy [NAME=]FILE)."
    })
final class QuantizeCommand implements Callable<Integer>, ErrorLog.Kept {
  /** Where a budget's choice of widths is written in the output. */
  static final String BITS_FILE = "bits-per-layer.json";

  /** The widths a budget chooses from. */
  private static final int[] BUDGET_WIDTHS =
      IntStream.rangeClosed(QuantizeConfig.MIN_BITS, QuantizeConfig.MAX_BITS).toArray();

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "SavedModel folder, or frozen GraphDef file (.pb), to quantize (read only).")
  private Path model;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Folder for the quantized SavedModel (written atomically).")
  private Path out;

  @Option(
      names = "--force",
      description =
          "Replace --out if it exists and is not empty, and drop an unfinished run's state.")
  private boolean force;

  @Option(
      names = "--resume",
      description =
          "Continue an unfinished run with the same options from its last finished layer (its state"
              + " is kept in OUT.partial).")
  private boolean resume;

  @Option(
      names = "--bits",
      paramLabel = "2..8",
      defaultValue = "4",
      description = "Weight bit width, 2..8 (default: ${DEFAULT-VALUE}).")
  private int bits;

  @Option(
      names = "--bits-per-layer",
      paramLabel = "FILE",
      description =
          "Bit widths of single layers (mixed precision), as JSON {\"layers\": {\"WEIGHT\":"
              + " BITS, ...}} keyed by the weight names that inspect lists; the others take"
              + " --bits.")
  private Path bitsPerLayer;

  @Option(
      names = "--weight-budget",
      paramLabel = "B",
      description =
          "Mixed precision under a size budget: average bits per weight (3.5) or a size with a"
              + " unit (120KB, 64KiB). Each layer's sensitivity is measured at 2..8 bits (that"
              + " layer alone rounded to nearest, output SQNR on the held-back samples), the"
              + " widths of least summed output noise within the budget are chosen (written to"
              + " OUT/bits-per-layer.json), then AdaRound runs with them.")
  private String weightBudget;

  @Option(
      names = "--per-channel",
      description = "One scale per output channel (default: one per tensor).")
  private boolean perChannel;

  @Option(
      names = "--grid",
      defaultValue = "mse",
      paramLabel = "minmax|mse",
      converter = GridValues.class,
      completionCandidates = GridValues.class,
      description =
          "Scale choice, one of ${COMPLETION-CANDIDATES}: mse minimises ||W - Q(W)||^2 over"
              + " clipping ratios, minmax uses the largest weight (default: ${DEFAULT-VALUE}).")
  private Grid grid;

  @Option(
      names = "--fold-batch-norm",
      description =
          "Fold each inference batch norm into the layer before it (w' = w * gamma / sqrt(var +"
              + " eps), b' = beta + (b - mean) * gamma / sqrt(var + eps)) and quantize the folded"
              + " weight, as integer runtimes use it; a frozen graph's export drops the batch"
              + " norm.")
  private boolean foldBatchNorm;

  @Option(
      names = "--nearest",
      description = "Round to nearest on the same grid instead of AdaRound (the baseline).")
  private boolean nearest;

  @Option(
      names = "--iterations",
      paramLabel = "N",
      defaultValue = "10000",
      description = "AdaRound iterations per layer (default: ${DEFAULT-VALUE}).")
  private int iterations;

  @Option(
      names = "--batch",
      paramLabel = "N",
      defaultValue = "32",
      description = "Calibration samples per iteration (default: ${DEFAULT-VALUE}).")
  private int batch;

  @Option(
      names = "--objective",
      defaultValue = "minibatch",
      paramLabel = "minibatch|quadratic",
      converter = ObjectiveValues.class,
      completionCandidates = ObjectiveValues.class,
      description =
          "What AdaRound learns from, one of ${COMPLETION-CANDIDATES}. minibatch: the paper's loss,"
              + " the layer output after its activation on --batch random samples per iteration;"
              + " quadratic: where a step of it is cheaper (convolutions), the output before the"
              + " activation over all calibration samples, as a quadratic form from Gram matrices"
              + " computed once per layer (default: ${DEFAULT-VALUE}).")
  private Objective objective;

  @Option(
      names = "--reconstruction",
      defaultValue = "layer",
      paramLabel = "layer|block",
      converter = ReconstructionValues.class,
      completionCandidates = ReconstructionValues.class,
      description =
          "What each AdaRound optimisation reconstructs, one of ${COMPLETION-CANDIDATES}. layer:"
              + " each layer's output alone; block: the roundings of all layers of a block (the"
              + " part between two tensors every path passes through, as inspect lists them)"
              + " learnt jointly against the block's FP output, on minibatches (BRECQ) (default:"
              + " ${DEFAULT-VALUE}).")
  private Reconstruction reconstruction;

  @Option(
      names = "--learning-rate",
      paramLabel = "LR",
      defaultValue = "1e-3",
      description = "Adam learning rate (default: ${DEFAULT-VALUE}).")
  private float learningRate;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Seed of the minibatch draws (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Mixin private CalibrationOptions calibration;

  @Mixin private FrozenGraphOptions frozenGraph;

  @Option(
      names = "--cache-mb",
      paramLabel = "MB",
      defaultValue = "2048",
      description =
          "Memory for one layer's cached activations; the rest spills to a temporary file (default:"
              + " ${DEFAULT-VALUE}).")
  private long cacheMb;

  @Option(
      names = "--storage",
      defaultValue = "float",
      paramLabel = "float|codes",
      converter = StorageValues.class,
      completionCandidates = StorageValues.class,
      description =
          "How the weights are stored, one of ${COMPLETION-CANDIDATES}. float: weights as float32"
              + " values k * scale; codes: uint8 codes with the scales and a dequantize subgraph, a"
              + " quarter of the bytes and the same outputs (default: ${DEFAULT-VALUE}).")
  private Storage storage;

  @Option(
      names = "--keep-best",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Keep rounding to nearest for a layer where AdaRound's output error on held-back samples"
              + " is higher (default: on; --no-keep-best turns it off).")
  private boolean keepBest;

  @Option(
      names = "--activation-bits",
      paramLabel = "2..16",
      description =
          "Also quantize activations: asymmetric per-tensor grids of this many bits for every"
              + " tensor an integer runtime quantizes; writes OUT/fake-quant, the simulated integer"
              + " model, and the activation encodings (default: activations stay float).")
  private Integer activationBits;

  @Option(
      names = "--activation-range",
      defaultValue = "mse",
      paramLabel = "mse|minmax",
      converter = RangeValues.class,
      completionCandidates = RangeValues.class,
      description =
          "Activation ranges, one of ${COMPLETION-CANDIDATES}: mse minimises the quantization"
              + " error of the calibration values, minmax takes their extremes (default:"
              + " ${DEFAULT-VALUE}).")
  private RangeMethod activationRange;

  @Option(
      names = "--qdrop",
      paramLabel = "P|off",
      defaultValue = "0.5",
      description =
          "With --activation-bits: learn the rounding on layer inputs from the simulated integer"
              + " model, each input element quantized with probability P during training (QDrop;"
              + " 1 quantizes all); off learns it against float activations (default:"
              + " ${DEFAULT-VALUE}).")
  private String qdrop;

  @Option(
      names = "--encodings-version",
      defaultValue = "0.6.1",
      paramLabel = "0.6.1|1.0.0",
      converter = VersionValues.class,
      completionCandidates = VersionValues.class,
      description =
          "AIMET format of encodings.json, one of ${COMPLETION-CANDIDATES} (default:"
              + " ${DEFAULT-VALUE}).")
  private EncodingsVersion encodingsVersion;

  @Option(
      names = "--allow-op",
      paramLabel = "NAME",
      description =
          "Run this op type even though it touches files, processes or the network (repeatable).")
  private List<String> allowedOps = List.of();

  @Option(
      names = "--signature",
      paramLabel = "NAME",
      defaultValue = "serving_default",
      description = "Signature whose inputs are fed (default: ${DEFAULT-VALUE}).")
  private String signature;

  /** The log of this run's internal error, or null while there is none. */
  private Path errorLog;

  /**
   * Quantizes; an internal error (a bug, not the user's) also leaves its stack trace in the run's
   * state folder, {@code OUT.partial/error.log}, which {@code --resume} ignores.
   */
  @Override
  public Integer call() throws Exception {
    try {
      return quantize();
    } catch (Exception | Error e) {
      if (AdaroundCli.userMessage(e) == null) {
        Path folder = stateFolder();
        errorLog = folder == null ? null : ErrorLog.write(folder, e);
      }
      throw e;
    }
  }

  @Override
  public Path errorLog() {
    return errorLog;
  }

  /** The folder that keeps an unfinished run's state, beside --out. */
  private Path stateFolder() {
    Path absolute = out.toAbsolutePath().normalize();
    return absolute.getFileName() == null
        ? null
        : absolute.resolveSibling(absolute.getFileName() + ".partial");
  }

  private Integer quantize() throws Exception {
    QuantizeConfig options = config();
    WeightBudget budget = weightBudget == null ? null : WeightBudget.parse(weightBudget);
    if (budget != null && bitsPerLayer != null) {
      throw new UserError("--weight-budget and --bits-per-layer cannot be combined");
    }
    frozenGraph.frozen(model);
    calibration.check();
    OutputFolder output = OutputFolder.check(out, force);
    // The model (loadable, safe, with the signature) before any data is read.
    Calibration samples = calibration.load(inputs());
    if (samples.heldBackCount() == 0) {
      System.err.println(
          "note: no samples beyond --calibration to hold back; --keep-best compares on the"
              + " calibration samples");
    }
    QuantizeConfig config = budget == null ? options : withBudget(options, budget, samples);
    Path absolute = out.toAbsolutePath().normalize();
    RunState state =
        RunState.of(
            absolute.resolveSibling(absolute.getFileName() + ".partial"), model, samples, config);
    if (state.exists() && !resume) {
      if (!force) {
        throw new UserError(
            "an unfinished run is in "
                + state.folder()
                + ": add --resume to continue it, or --force to start over");
      }
      state.discard();
    }
    Path staging = output.temporary();
    List<LayerReport> reports;
    try {
      AdaroundEngine engine =
          new AdaroundEngine(config, new ConsoleProgress(config.recipe().reportEvery()));
      reports =
          engine.run(
              model,
              () ->
                  frozenGraph.open(
                      model, signature, calibration.npySampleShape(), config.model().allowedOps()),
              samples,
              staging,
              state);
    } catch (Exception | Error e) {
      Folders.deleteRecursively(staging);
      throw e;
    }
    if (budget != null) {
      LayerBitsFile.write(staging.resolve(BITS_FILE), config.weights().layerBits());
    }
    output.commit(staging);
    state.discard();
    printTable(reports);
    return 0;
  }

  /**
   * The options as a configuration.
   *
   * @throws UserError when a value is out of range or two options do not go together
   */
  private QuantizeConfig config() {
    if (iterations < 1) {
      throw new UserError("--iterations must be at least 1");
    }
    ActivationConfig activations = activationConfig();
    if (cacheMb < 0) {
      throw new UserError("--cache-mb must not be negative");
    }
    AdaroundRecipe recipe =
        AdaroundRecipe.PAPER
            .withIterations(iterations)
            .withBatchSize(batch)
            .withLearningRate(learningRate)
            .withSeed(seed)
            .withObjective(objective)
            .withReportEvery(Math.max(1, Math.min(100, iterations / 50)));
    return QuantizeConfig.DEFAULT.toBuilder()
        .bits(bits)
        .layerBits(bitsPerLayer == null ? Map.of() : LayerBitsFile.read(bitsPerLayer))
        .perChannel(perChannel)
        .grid(grid)
        .foldBatchNorm(foldBatchNorm)
        .recipe(recipe)
        .nearest(nearest)
        .keepBest(keepBest)
        .activations(activations)
        .cacheBytes(cacheMb << 20)
        .signature(signature)
        .allowedOps(Set.copyOf(allowedOps))
        .storage(storage)
        .encodingsVersion(encodingsVersion)
        .reconstruction(reconstruction)
        .build();
  }

  private ActivationConfig activationConfig() {
    boolean drop = !qdrop.equals("off");
    float probability = 1f;
    if (drop) {
      try {
        probability = Float.parseFloat(qdrop);
      } catch (NumberFormatException e) {
        throw new UserError("--qdrop must be a probability in 0..1 or off, got " + qdrop);
      }
    }
    if (activationBits == null) {
      boolean asked = spec.commandLine().getParseResult().hasMatchedOption("--qdrop");
      if (asked || spec.commandLine().getParseResult().hasMatchedOption("--activation-range")) {
        throw new UserError("--qdrop and --activation-range need --activation-bits");
      }
      return ActivationConfig.FLOAT;
    }
    return drop
        ? ActivationConfig.quantized(activationBits, activationRange, probability)
        : ActivationConfig.floatReconstruction(activationBits, activationRange);
  }

  /** The inputs of the signature to be fed; shapes -1 where any size goes. */
  /**
   * {@code config} with the per-layer widths that {@link BitAllocation} chooses within {@code
   * budget} from each layer's measured sensitivity.
   *
   * @throws UserError when even 2 bits for every layer exceed the budget, before measuring
   */
  private QuantizeConfig withBudget(QuantizeConfig config, WeightBudget budget, Calibration samples)
      throws ModelException, InterruptedException {
    List<LayerSensitivity> measured;
    long weights;
    try (ModelSession fp =
        new ModelSession(
            frozenGraph.open(
                model, signature, calibration.npySampleShape(), config.model().allowedOps()))) {
      List<QuantizableLayer> layers =
          LayerInspector.inspect(fp.graph(), fp.source().outputTensors());
      weights = 0;
      for (QuantizableLayer layer : layers) {
        weights += Shape.of(layer.shape()).size();
      }
      if (budget.bits(weights) < 2 * weights) {
        throw new UserError(
            "--weight-budget "
                + weightBudget
                + " is below 2 bits per weight for the "
                + weights
                + " weights of the model ("
                + (weights * 2 + 7) / 8
                + " bytes)");
      }
      System.err.println(
          "measuring the sensitivity of " + layers.size() + " layers at 2..8 bits...");
      measured =
          new SensitivityAnalysis(
                  fp,
                  samples.heldBackCount() > 0 ? samples.heldBack() : samples.samples(),
                  config.weights().perChannel())
              .measure(layers, BUDGET_WIDTHS, s -> {});
    }
    BitAllocation.Choice choice = BitAllocation.within(measured, budget.bits(weights));
    System.err.printf(
        "bits per layer within %s: %s (%.3f bits per weight, %d bytes)%n",
        weightBudget,
        choice.bits(),
        (double) choice.totalBits() / weights,
        (choice.totalBits() + 7) / 8);
    return config.toBuilder().layerBits(choice.bits()).build();
  }

  private List<ModelInput> inputs() throws ModelException, UserError {
    try (ModelSource source = frozenGraph.open(model, signature, null, Set.copyOf(allowedOps))) {
      return source.inputs();
    }
  }

  private void printTable(List<LayerReport> reports) {
    PrintWriter o = spec.commandLine().getOut();
    o.printf(
        "%-28s %-22s %8s %12s %12s %8s %8s%n",
        "layer", "op", "channels", "mse nearest", "mse output", "changed", "seconds");
    for (LayerReport r : reports) {
      o.printf(
          "%-28s %-22s %8d %12.4g %12.4g %8d %8.1f%n",
          r.layer().weight(),
          r.layer().op(),
          r.grid().channels(),
          r.errors().nearest(),
          r.errors().adaround(),
          r.rounding().changedFromNearest(),
          r.seconds());
    }
    if (activationBits != null) {
      o.printf(
          "wrote %s (simulated integer model: %s)%n", out, out.resolve(AdaroundEngine.FAKE_QUANT));
      return;
    }
    o.printf("wrote %s%n", out);
  }
}
