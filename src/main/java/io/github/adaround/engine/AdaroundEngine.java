package io.github.adaround.engine;

import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.activation.ActivationSimulation;
import io.github.adaround.activation.FakeQuantExport;
import io.github.adaround.activation.MeasuredRange;
import io.github.adaround.activation.SimulatedInputs;
import io.github.adaround.block.Block;
import io.github.adaround.block.Blocks;
import io.github.adaround.cache.HeapCheck;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Reconstruction;
import io.github.adaround.config.Storage;
import io.github.adaround.data.Calibration;
import io.github.adaround.error.ModelException;
import io.github.adaround.error.UserError;
import io.github.adaround.export.BlockReport;
import io.github.adaround.export.CodesExport;
import io.github.adaround.export.EncodingsFile;
import io.github.adaround.export.LayerReport;
import io.github.adaround.export.ReportFile;
import io.github.adaround.export.TensorBoardLog;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.rebuild.BatchNormFolding;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Layer-wise AdaRound of a SavedModel (Nagel et al. 2020, section 4 and 5): opens the model, checks
 * it and the calibration samples, quantizes each quantizable layer in graph order ({@link
 * LayerQuantizer}; restored instead from an unfinished run's {@link RunState} where it holds the
 * layer) and hands the result over to the exports. The quantized model is then exported as it was
 * loaded, with only its weights changed. The input folder is only read.
 *
 * <p>With quantized activations ({@link ActivationConfig}), the run also measures the range of
 * every activation tensor an integer runtime quantizes on the final model and exports the simulated
 * integer model to {@link #FAKE_QUANT}; for a quantized reconstruction, each layer takes its input
 * from the simulated model (ranges measured on the FP model, earlier layers hardened).
 *
 * <p>With {@code --reconstruction block}, the layers are quantized block by block instead ({@link
 * BlockLoop}): the roundings of a block's layers are learnt jointly against its FP output.
 */
public final class AdaroundEngine {

  /**
   * Opens a fresh copy of the model to be quantized; the engine opens two (the untouched FP model
   * and the one it quantizes) and closes them.
   */
  @FunctionalInterface
  public interface SourceOpener {

    /**
     * @throws ModelException when the model cannot be opened
     */
    ModelSource open() throws ModelException;
  }

  /** The folder in the output that holds the simulated integer model. */
  public static final String FAKE_QUANT = "fake-quant";

  private final QuantizeConfig config;
  private final EngineListener listener;

  public AdaroundEngine(QuantizeConfig config, EngineListener listener) {
    this.config = config;
    this.listener = listener;
  }

  /**
   * Quantizes the model in {@code modelDir} with {@code n} calibration samples and exports it to
   * {@code outDir} (which must not exist), with {@code encodings.json} and {@code report.json}.
   *
   * @param calibration input samples of the signature's shape
   * @return what was done to each layer
   * @throws ModelException when the model cannot be loaded or has nothing to quantize
   */
  public List<LayerReport> run(Path modelDir, Calibration calibration, Path outDir)
      throws ModelException, IOException {
    return run(modelDir, calibration, outDir, null);
  }

  /**
   * As {@link #run(Path, Calibration, Path)}, recording each finished layer in {@code state} and
   * continuing after the layers it already holds.
   *
   * @throws UserError if the state is of a run with other inputs or options
   */
  public List<LayerReport> run(Path modelDir, Calibration calibration, Path outDir, RunState state)
      throws ModelException, IOException {
    return run(modelDir, () -> open(modelDir), calibration, outDir, state);
  }

  /**
   * As {@link #run(Path, Calibration, Path, RunState)} on a model of any format ({@link
   * io.github.adaround.source.ModelSource}) that {@code opener} opens; {@code modelDir} is where it
   * came from, as errors and {@code report.json} name it.
   */
  public List<LayerReport> run(
      Path modelDir, SourceOpener opener, Calibration calibration, Path outDir, RunState state)
      throws ModelException, IOException {
    try (ModelSession fp = new ModelSession(opener.open());
        ModelSession quantized = new ModelSession(opener.open())) {
      checkExports(fp);
      List<QuantizableLayer> layers;
      try {
        layers = prepare(fp, calibration);
      } catch (IllegalStateException e) {
        throw new ModelException(modelDir, e.getMessage());
      }
      ActivationConfig act = config.activations();
      ActivationSimulation activations =
          act.enabled() ? ActivationSimulation.of(fp, layers, act) : null;
      List<LayerReport> reports;
      List<BlockReport> blocks = List.of();
      try (SimulatedInputs simulated =
              act.quantizedReconstruction()
                  ? SimulatedInputs.open(
                      activations, fp, calibration, act.qdrop(), dir -> new ModelSession(open(dir)))
                  : null;
          TensorBoardLog log = new TensorBoardLog(outDir.resolve("logs"))) {
        RunContext run = new RunContext(config, fp, quantized, simulated, calibration);
        if (config.reconstruction() == Reconstruction.BLOCK) {
          BlockLoop loop = new BlockLoop(run, listener);
          reports = loop.quantize(blocks(fp, layers), state, log);
          blocks = loop.blocks();
        } else {
          reports = new LayerLoop(run, listener).quantize(layers, state, log);
        }
      }
      Map<String, MeasuredRange> ranges =
          export(quantized, activations, calibration, outDir, reports);
      ReportFile.write(
          outDir.resolve("report.json"),
          modelDir,
          config,
          calibration.count(),
          layers,
          LayerInspector.notQuantized(fp.graph(), fp.source().outputTensors()),
          reports,
          blocks,
          ranges);
      return reports;
    }
  }

  /**
   * Quantizes the layers of {@code target} in place: reads each layer's FP weights and outputs from
   * {@code fp} (the same model, untouched) and writes the hardened weights into {@code target}.
   * Neither source is closed; nothing is exported.
   *
   * @throws UserError when activations are to be quantized, the calibration samples do not fit the
   *     model, it has no quantizable layer on its outputs' path or its graph does not compute what
   *     it loaded
   */
  public List<LayerReport> quantize(ModelSource fp, ModelSource target, Calibration calibration) {
    if (config.activations().enabled()) {
      throw new UserError(
          "integer activations (--activation-bits) need a SavedModel folder to export the"
              + " simulated model to; quantize in place with float activations");
    }
    ModelSession original = new ModelSession(fp);
    List<QuantizableLayer> layers;
    try {
      layers = prepare(original, calibration);
    } catch (IllegalStateException e) {
      throw new UserError(e.getMessage(), e);
    }
    RunContext run = new RunContext(config, original, new ModelSession(target), null, calibration);
    try {
      if (config.reconstruction() == Reconstruction.BLOCK) {
        return new BlockLoop(run, listener).quantize(blocks(original, layers), null, null);
      }
      return new LayerLoop(run, listener).quantize(layers, null, null);
    } catch (IOException e) {
      // Only a run state reads and writes files, and there is none here.
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Checks that the model can be exported as asked, before any work.
   *
   * @throws UserError when it cannot store codes
   */
  private void checkExports(ModelSession fp) {
    if (config.output().storage() == Storage.CODES && fp.source().rewritableBundle().isEmpty()) {
      throw new UserError(CodesExport.NO_CODES);
    }
    if (config.activations().enabled()) {
      fp.bundle(FakeQuantExport.PURPOSE);
    }
  }

  /** The blocks of the model that hold {@code layers} ({@link Blocks}). */
  private static List<Block> blocks(ModelSession fp, List<QuantizableLayer> layers) {
    List<String> inputs = fp.source().inputs().stream().map(ModelInput::tensor).toList();
    return Blocks.of(fp.graph(), inputs, fp.source().outputTensors(), layers);
  }

  private ModelSource open(Path dir) throws ModelException {
    return ModelSources.open(dir, config.model().signature(), config.model().allowedOps());
  }

  /**
   * The layers to quantize, after checking that the samples fit the model and that its graph
   * computes what the model as loaded computes.
   *
   * @throws UserError when the samples do not fit the model's inputs
   * @throws IllegalStateException when there is no layer or the graph's outputs differ
   */
  private List<QuantizableLayer> prepare(ModelSession fp, Calibration calibration) {
    fp.check(calibration.samples());
    fp.check(calibration.heldBack());
    List<QuantizableLayer> layers = LayerInspector.inspect(fp.graph(), fp.source().outputTensors());
    LayerInspector.notQuantized(fp.graph(), fp.source().outputTensors())
        .forEach(listener::notQuantized);
    if (layers.isEmpty()) {
      throw new IllegalStateException(
          ModelSources.NO_LAYERS + " on the path of the model's outputs");
    }
    if (config.weights().foldBatchNorm()) {
      BatchNormFolding.check(layers);
    }
    checkLayerBits(layers);
    HeapCheck.check(fp, layers, calibration, config.cacheBytes());
    fp.source().verify(calibration.samples());
    return layers;
  }

  /** Every weight given a bit width of its own is one of {@code layers}. */
  private void checkLayerBits(List<QuantizableLayer> layers) {
    Set<String> weights = new LinkedHashSet<>();
    layers.forEach(l -> weights.add(l.weight()));
    for (String weight : config.weights().layerBits().keySet()) {
      if (!weights.contains(weight)) {
        throw new UserError(
            "the bits per layer name '"
                + weight
                + "', which is not a quantized weight of the model (its weights: "
                + String.join(", ", weights)
                + ")");
      }
    }
  }

  /**
   * Exports the quantized model (and the simulated integer one) to {@code outDir} and writes {@code
   * encodings.json}; returns the activation ranges measured on the quantized model.
   */
  private Map<String, MeasuredRange> export(
      ModelSession quantized,
      ActivationSimulation activations,
      Calibration calibration,
      Path outDir,
      List<LayerReport> reports)
      throws IOException {
    if (config.output().storage() == Storage.CODES) {
      CodesExport.export(quantized, reports, outDir);
    } else {
      quantized.export(outDir);
    }
    Map<String, MeasuredRange> ranges = Map.of();
    Map<String, String> aliases = Map.of();
    if (activations != null) {
      ranges = activations.measure(quantized, calibration);
      aliases = activations.tensors().aliases();
      ActivationSimulation.export(quantized, ranges, outDir.resolve(FAKE_QUANT));
    }
    EncodingsFile.write(
        outDir.resolve("encodings.json"),
        reports,
        ranges,
        aliases,
        config.output().encodingsVersion());
    return ranges;
  }
}
