package io.github.adaround.engine;

import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.activation.ActivationSimulation;
import io.github.adaround.activation.FakeQuantExport;
import io.github.adaround.activation.MeasuredRange;
import io.github.adaround.activation.SimulatedInputs;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Storage;
import io.github.adaround.data.Calibration;
import io.github.adaround.error.UserError;
import io.github.adaround.export.CodesExport;
import io.github.adaround.export.EncodingsFile;
import io.github.adaround.export.LayerReport;
import io.github.adaround.export.ReportFile;
import io.github.adaround.export.TensorBoardLog;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.rebuild.BatchNormFolding;
import io.github.adaround.source.ModelException;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import io.github.adaround.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.ndarray.Shape;

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
 */
public final class AdaroundEngine {

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
      if (config.output().storage() == Storage.CODES && fp.source().rewritableBundle().isEmpty()) {
        throw new UserError(CodesExport.NO_CODES);
      }
      ActivationConfig act = config.activations();
      if (act.enabled()) {
        fp.bundle(FakeQuantExport.PURPOSE);
      }
      List<QuantizableLayer> layers;
      try {
        layers = prepare(fp, calibration);
      } catch (IllegalStateException e) {
        throw new ModelException(modelDir, e.getMessage());
      }
      ActivationSimulation activations =
          act.enabled() ? ActivationSimulation.of(fp, layers, act) : null;
      List<LayerReport> reports;
      try (SimulatedInputs simulated =
              act.quantizedReconstruction()
                  ? SimulatedInputs.open(
                      activations, fp, calibration, act.qdrop(), dir -> new ModelSession(open(dir)))
                  : null;
          TensorBoardLog log = new TensorBoardLog(outDir.resolve("logs"))) {
        RunContext run = new RunContext(config, fp, quantized, simulated, calibration);
        reports = quantizeLayers(run, layers, state, log);
      }
      Map<String, MeasuredRange> ranges =
          export(quantized, activations, calibration, outDir, reports);
      ReportFile.write(
          outDir.resolve("report.json"),
          modelDir,
          config,
          calibration.count(),
          layers,
          reports,
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
      return quantizeLayers(run, layers, null, null);
    } catch (IOException e) {
      // Only a run state reads and writes files, and there is none here.
      throw new UncheckedIOException(e);
    }
  }

  private ModelSource open(Path dir) throws ModelException {
    return ModelSources.open(dir, config.model().signature(), config.model().allowedOps());
  }

  /**
   * The layers to quantize, after checking that the samples fit the model and that its graph
   * computes what the model as loaded computes.
   *
   * @throws UserError when the samples are not whole samples of the model's input
   * @throws IllegalStateException when there is no layer or the graph's outputs differ
   */
  private List<QuantizableLayer> prepare(ModelSession fp, Calibration calibration) {
    long sampleSize = fp.sampleShape().size();
    if ((long) calibration.count() * sampleSize != calibration.samples().length
        || (long) calibration.heldBackCount() * sampleSize != calibration.heldBack().length) {
      throw new UserError("calibration data must be whole samples of shape " + fp.sampleShape());
    }
    List<QuantizableLayer> layers = LayerInspector.inspect(fp.graph(), fp.source().outputTensors());
    if (layers.isEmpty()) {
      throw new IllegalStateException(
          ModelSources.NO_LAYERS + " on the path of the model's outputs");
    }
    if (config.weights().foldBatchNorm()) {
      BatchNormFolding.check(layers);
    }
    fp.source().verify(calibration.samples(), calibration.count());
    return layers;
  }

  /**
   * Each layer in turn: restored from {@code state} (if it holds it) or learnt, and written into
   * the quantized model; loss curves go to {@code log} when there is one.
   */
  private List<LayerReport> quantizeLayers(
      RunContext run, List<QuantizableLayer> layers, RunState state, TensorBoardLog log)
      throws IOException {
    List<RunState.Finished> finished = new ArrayList<>(state == null ? List.of() : state.restore());
    List<LayerReport> reports = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      QuantizableLayer layer = layers.get(i);
      if (i < finished.size()) {
        reports.add(restore(run, i, layers, finished.get(i)));
        continue;
      }
      listener.layerStarted(
          i, layers.size(), layer, config.nearest() ? 0 : config.recipe().iterations());
      LayerReport report = new LayerQuantizer(run, i, layer).quantize(heard(layer, log));
      if (run.simulated() != null) {
        run.simulated()
            .write(layer.weight(), Shape.of(layer.shape()), run.quantized().read(layer.weight()));
      }
      reports.add(report);
      if (state != null) {
        finished.add(new RunState.Finished(report, run.quantized().read(layer.weight())));
        state.record(finished);
      }
      listener.layerFinished(report);
    }
    return reports;
  }

  /** Writes layer {@code i} as an unfinished run finished it. */
  private LayerReport restore(
      RunContext run, int i, List<QuantizableLayer> layers, RunState.Finished done) {
    QuantizableLayer layer = layers.get(i);
    if (!done.report().layer().weight().equals(layer.weight())) {
      throw new UserError(
          "the unfinished run's layer " + i + " is " + done.report().layer().weight());
    }
    run.quantized().write(layer.weight(), Shape.of(layer.shape()), done.hardened());
    if (run.simulated() != null) {
      run.simulated().write(layer.weight(), Shape.of(layer.shape()), done.hardened());
    }
    if (PreparedWeight.folds(config, layer)) {
      BatchNormFolding.writeInto(
          run.quantized(), layer, PreparedWeight.foldedBias(run.fp(), layer));
    }
    listener.layerRestored(i, layers.size(), done.report());
    return done.report();
  }

  /** Hears the layer's losses: into {@code log} when there is one, and to the listener. */
  private TrainingListener heard(QuantizableLayer layer, TensorBoardLog log) {
    return report -> {
      if (log != null) {
        log.scalar(layer.weight() + "/reconstruction", report.iteration(), report.reconstruction());
        log.scalar(layer.weight() + "/regularization", report.iteration(), report.regularization());
        log.scalar(layer.weight() + "/beta", report.iteration(), report.beta());
      }
      listener.lossReported(report);
    };
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
    int bits = config.weights().bits();
    if (config.output().storage() == Storage.CODES) {
      CodesExport.export(quantized, reports, bits, outDir);
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
        bits,
        ranges,
        aliases,
        config.output().encodingsVersion());
    return ranges;
  }
}
