package io.github.adaround.engine;

import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.activation.ActivationSimulation;
import io.github.adaround.activation.FakeQuantExport;
import io.github.adaround.activation.MeasuredRange;
import io.github.adaround.activation.QDropInput;
import io.github.adaround.activation.SimulatedInputs;
import io.github.adaround.cache.LayerCaches;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Storage;
import io.github.adaround.data.Calibration;
import io.github.adaround.error.ModelException;
import io.github.adaround.error.UserError;
import io.github.adaround.export.CodesExport;
import io.github.adaround.export.EncodingsFile;
import io.github.adaround.export.LayerReport;
import io.github.adaround.export.ReportFile;
import io.github.adaround.export.TensorBoardLog;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quadratic.GramStatistics;
import io.github.adaround.quadratic.PatchLayout;
import io.github.adaround.quadratic.QuadraticChoice;
import io.github.adaround.quadratic.QuadraticLayerGraph;
import io.github.adaround.quadratic.QuadraticStatistics;
import io.github.adaround.quadratic.QuadraticTrainer;
import io.github.adaround.quant.Grid;
import io.github.adaround.quant.MseScaleSearch;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.rebuild.BatchNormFolding;
import io.github.adaround.rebuild.BatchNormValues;
import io.github.adaround.rebuild.LayerRebuilder;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import io.github.adaround.tf.LayerThreads;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundLayerGraph;
import io.github.adaround.train.LayerFunction;
import io.github.adaround.train.LayerResult;
import io.github.adaround.train.LayerTrainer;
import io.github.adaround.train.Objective;
import io.github.adaround.train.Samples;
import io.github.adaround.train.TrainingListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Layer-wise AdaRound of a SavedModel (Nagel et al. 2020, section 4 and 5). For each quantizable
 * layer in graph order:
 *
 * <ol>
 *   <li>cache its input from the model whose earlier layers are already hardened ("asymmetric
 *       reconstruction") and its FP output {@code f(W x_fp + b)} from the untouched model;
 *   <li>learn V on the layer rebuilt in a small training graph, then harden ({@code V >= 0}): on
 *       minibatches of the cached activations, or, under {@link Objective#QUADRATIC} where it is
 *       cheaper, on the quadratic form of the pre-activation error over every calibration sample
 *       ({@link QuadraticStatistics}, {@link QuadraticTrainer});
 *   <li>write the hardened weight into the quantized model.
 * </ol>
 *
 * The quantized model is then exported as it was loaded, with only its weights changed. The input
 * folder is only read.
 *
 * <p>With quantized activations ({@link ActivationConfig}), the run also measures the range of
 * every activation tensor an integer runtime quantizes on the final model and exports the simulated
 * integer model to {@link #FAKE_QUANT}; for a quantized reconstruction, step 1 takes each layer's
 * input from the simulated model (ranges measured on the FP model, earlier layers hardened) and the
 * training graph quantizes it element-wise with QDrop's probability.
 */
public final class AdaroundEngine {

  /** The folder in the output that holds the simulated integer model. */
  public static final String FAKE_QUANT = "fake-quant";

  /** Samples per run when measuring a layer's output error. */
  private static final int ERROR_CHUNK = 256;

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
   * @throws IllegalArgumentException if the state is of a run with other inputs or options
   */
  public List<LayerReport> run(Path modelDir, Calibration calibration, Path outDir, RunState state)
      throws ModelException, IOException {
    return run(
        modelDir,
        () -> ModelSources.open(modelDir, config.signature(), config.allowedOps()),
        calibration,
        outDir,
        state);
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
      if (config.storage() == Storage.CODES && fp.source().rewritableBundle().isEmpty()) {
        throw new UserError(CodesExport.NO_CODES);
      }
      if (config.activations().enabled()) {
        if (config.foldBatchNorm()) {
          throw new UserError("--fold-batch-norm and --activation-bits cannot be combined yet");
        }
        fp.bundle(FakeQuantExport.PURPOSE);
      }
      List<QuantizableLayer> layers;
      try {
        layers = prepare(fp, calibration);
      } catch (IllegalStateException e) {
        throw new ModelException(modelDir, e.getMessage());
      }
      List<LayerReport> reports;
      ActivationConfig act = config.activations();
      ActivationSimulation activations =
          act.enabled() ? ActivationSimulation.of(fp, layers, act) : null;
      try (SimulatedInputs simulated =
              act.quantizedReconstruction()
                  ? SimulatedInputs.open(
                      activations,
                      fp,
                      calibration,
                      act.qdrop(),
                      dir ->
                          new ModelSession(
                              ModelSources.open(dir, config.signature(), config.allowedOps())))
                  : null;
          TensorBoardLog log = new TensorBoardLog(outDir.resolve("logs"))) {
        reports = quantizeLayers(fp, quantized, simulated, layers, calibration, state, log);
      }
      if (config.storage() == Storage.CODES) {
        CodesExport.export(quantized, reports, config.bits(), outDir);
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
          config.bits(),
          ranges,
          aliases,
          config.encodingsVersion());
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
   * @throws IllegalArgumentException when the calibration samples do not fit the model, it has no
   *     quantizable layer on its outputs' path, or its graph does not compute what it loaded
   */
  public List<LayerReport> quantize(ModelSource fp, ModelSource target, Calibration calibration) {
    if (config.activations().enabled()) {
      throw new IllegalArgumentException(
          "integer activations (--activation-bits) need a SavedModel folder to export the"
              + " simulated model to; quantize in place with float activations");
    }
    ModelSession original = new ModelSession(fp);
    List<QuantizableLayer> layers;
    try {
      layers = prepare(original, calibration);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    try {
      return quantizeLayers(
          original, new ModelSession(target), null, layers, calibration, null, null);
    } catch (IOException e) {
      // Only a run state reads and writes files, and there is none here.
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The layers to quantize, after checking that the samples fit the model and that its graph
   * computes what the model as loaded computes.
   *
   * @throws IllegalStateException when there is no layer or the graph's outputs differ
   */
  private List<QuantizableLayer> prepare(ModelSession fp, Calibration calibration) {
    long sampleSize = fp.sampleShape().size();
    if ((long) calibration.count() * sampleSize != calibration.samples().length
        || (long) calibration.heldBackCount() * sampleSize != calibration.heldBack().length) {
      throw new IllegalArgumentException(
          "calibration data must be whole samples of shape " + fp.sampleShape());
    }
    List<QuantizableLayer> layers = LayerInspector.inspect(fp.graph(), fp.source().outputTensors());
    if (layers.isEmpty()) {
      throw new IllegalStateException(
          ModelSources.NO_LAYERS + " on the path of the model's outputs");
    }
    if (config.foldBatchNorm()) {
      BatchNormFolding.check(layers);
    }
    fp.source().verify(calibration.samples(), calibration.count());
    return layers;
  }

  /**
   * Each layer in turn: restored from {@code state} (if it holds it) or learnt, and written into
   * {@code quantized}; loss curves go to {@code log} when there is one.
   */
  private List<LayerReport> quantizeLayers(
      ModelSession fp,
      ModelSession quantized,
      SimulatedInputs simulated,
      List<QuantizableLayer> layers,
      Calibration calibration,
      RunState state,
      TensorBoardLog log)
      throws IOException {
    List<RunState.Finished> finished = new ArrayList<>(state == null ? List.of() : state.restore());
    List<LayerReport> reports = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      QuantizableLayer layer = layers.get(i);
      if (i < finished.size()) {
        RunState.Finished done = finished.get(i);
        if (!done.report().weight().equals(layer.weight())) {
          throw new IllegalArgumentException(
              "the unfinished run's layer " + i + " is " + done.report().weight());
        }
        quantized.write(layer.weight(), Shape.of(layer.shape()), done.hardened());
        if (simulated != null) {
          simulated.write(layer.weight(), Shape.of(layer.shape()), done.hardened());
        }
        if (folds(layer)) {
          GraphOperation op = fp.graph().operationOrThrow(layer.name());
          BatchNormFolding.writeInto(quantized, layer, folded(fp, layer, op).bias());
        }
        reports.add(done.report());
        listener.layerRestored(i, layers.size(), done.report());
        continue;
      }
      listener.layerStarted(
          i, layers.size(), layer, config.nearest() ? 0 : config.recipe().iterations());
      TrainingListener heard =
          report -> {
            if (log != null) {
              log.scalar(
                  layer.weight() + "/reconstruction", report.iteration(), report.reconstruction());
              log.scalar(
                  layer.weight() + "/regularization", report.iteration(), report.regularization());
              log.scalar(layer.weight() + "/beta", report.iteration(), report.beta());
            }
            listener.lossReported(report);
          };
      LayerReport report = quantizeLayer(fp, quantized, simulated, i, layer, calibration, heard);
      if (simulated != null) {
        simulated.write(layer.weight(), Shape.of(layer.shape()), quantized.read(layer.weight()));
      }
      reports.add(report);
      if (state != null) {
        finished.add(new RunState.Finished(report, quantized.read(layer.weight())));
        state.record(finished);
      }
      listener.layerFinished(report);
    }
    return reports;
  }

  private LayerReport quantizeLayer(
      ModelSession fp,
      ModelSession quantized,
      SimulatedInputs simulated,
      int index,
      QuantizableLayer layer,
      Calibration calibration,
      TrainingListener heard) {
    long start = System.nanoTime();
    long[] shape = layer.shape();
    float[] weight = fp.read(layer.weight());
    for (float w : weight) {
      if (!Float.isFinite(w)) {
        throw new UserError(
            "layer " + layer.name() + ": weight '" + layer.weight() + "' contains NaN or Inf");
      }
    }
    float[] bias = layer.bias() == null ? null : fp.read(layer.bias());
    GraphOperation op = fp.graph().operationOrThrow(layer.name());
    BatchNormValues batchNorm = batchNormOf(fp, layer, op);
    if (folds(layer)) {
      BatchNormFolding.Folded folded = BatchNormFolding.fold(op, shape, weight, bias, batchNorm);
      weight = folded.weight();
      bias = folded.bias();
      batchNorm = null;
    }
    QuantSpec spec = QuantSpec.signed(config.bits());
    if (config.perChannel()) {
      spec = spec.perChannel(LayerRebuilder.channelAxes(op));
    }
    // null: the graph's min-max observer chooses the scale, bit-exact with the reference.
    float[] scale = config.grid() == Grid.MSE ? MseScaleSearch.scales(weight, shape, spec) : null;
    LayerFunction function = LayerRebuilder.rebuild(op, layer, bias, batchNorm);
    QDropInput qdrop = null;
    if (simulated != null) {
      // Each layer draws its own element masks, seeded by the run's seed and the layer's index.
      qdrop = simulated.quantizedInput(function, layer, config.recipe().seed() * 1000 + index);
      function = qdrop;
    }
    PatchLayout patches = LayerRebuilder.patchLayout(op, shape);
    try (LayerCaches caches =
            simulated == null
                ? LayerCaches.of(fp, quantized, layer, calibration, config.cacheBytes())
                : simulated.caches(fp, quantized, layer, calibration, config.cacheBytes());
        Graph graph = new Graph();
        Session session =
            LayerThreads.of(
                    patches == null ? 0 : patches.depth(),
                    config.recipe().batchSize(),
                    caches.targets().sampleShape().size())
                .open(graph)) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> w = tf.constant(Shape.of(shape), DataBuffers.of(weight, true, false));
      AdaroundLayerGraph training =
          AdaroundLayerGraph.createWithScale(
              tf,
              w,
              layer.weight(),
              spec,
              function,
              caches.inputs().sampleShape(),
              caches.targets().sampleShape(),
              config.recipe(),
              scale);
      session.run(training.initialize());
      float[] nearest = fetch(session, training.quantizer().nearestOutput());
      PatchLayout quadratic =
          qdrop == null && layer.batchNorm() == null
              ? quadraticLayout(op, shape, caches.targets().sampleShape())
              : null;
      LayerResult result = null;
      String note = null;
      if (!config.nearest()) {
        TrainingListener checked =
            report -> {
              if (!Float.isFinite(report.reconstruction())
                  || !Float.isFinite(report.regularization())) {
                throw new NonFiniteLoss(report.iteration());
              }
              heard.onReport(report);
            };
        try {
          if (quadratic == null) {
            result =
                new LayerTrainer(session, training)
                    .train(caches.inputs(), caches.targets(), checked);
          } else {
            GramStatistics statistics =
                QuadraticStatistics.collect(
                    fp,
                    LayerRebuilder.preActivation(fp.graph(), layer),
                    calibration,
                    caches.inputs(),
                    quadratic,
                    LayerRebuilder.rebuildLinear(op, bias),
                    weight,
                    shape,
                    caches.targets().sampleShape());
            QuadraticLayerGraph form =
                QuadraticLayerGraph.create(
                    tf, training.quantizer(), w, statistics, config.recipe());
            result = new QuadraticTrainer(session, form).train(checked);
          }
          if (!allFinite(result.hardenedWeight())) {
            note = "non-finite weight after training; kept nearest";
          }
        } catch (NonFiniteLoss e) {
          note = "non-finite loss at iteration " + e.iteration + "; kept nearest";
        }
      }
      boolean adaround = result != null && note == null;
      if (adaround && config.keepBest()) {
        double ada =
            outputError(
                session,
                training,
                qdrop,
                training.hardOutput(),
                caches.checkInputs(),
                caches.checkTargets());
        double near =
            outputError(
                session,
                training,
                qdrop,
                training.nearestOutput(),
                caches.checkInputs(),
                caches.checkTargets());
        if (ada > near) {
          adaround = false;
          note =
              String.format(
                  "AdaRound's error %.4g is above nearest's %.4g on %s samples; kept nearest",
                  ada, near, caches.heldBack() ? "held-back" : "calibration");
        }
      }
      float[] hardened = adaround ? result.hardenedWeight() : nearest;
      double nearestError =
          outputError(
              session,
              training,
              qdrop,
              training.nearestOutput(),
              caches.inputs(),
              caches.targets());
      double error =
          adaround
              ? outputError(
                  session,
                  training,
                  qdrop,
                  training.hardOutput(),
                  caches.inputs(),
                  caches.targets())
              : nearestError;
      float[] scales = fetch(session, training.quantizer().scale());
      quantized.write(layer.weight(), Shape.of(shape), hardened);
      if (folds(layer)) {
        BatchNormFolding.writeInto(quantized, layer, bias);
      }
      return new LayerReport(
          layer.name(),
          layer.op(),
          layer.weight(),
          shape,
          config.grid(),
          scales,
          training.quantizer().scaleShape().asArray(),
          nearestError,
          error,
          result == null ? 0 : result.softShare(),
          adaround ? result.changedFromNearest() : 0,
          adaround ? "adaround" : "nearest",
          quadratic == null ? "minibatch" : "quadratic",
          note,
          (System.nanoTime() - start) / 1e9);
    }
  }

  private boolean folds(QuantizableLayer layer) {
    return config.foldBatchNorm() && layer.batchNorm() != null;
  }

  private static BatchNormValues batchNormOf(
      ModelSession fp, QuantizableLayer layer, GraphOperation op) {
    return layer.batchNorm() == null
        ? null
        : BatchNormValues.of(
            fp.source().session(),
            layer.batchNorm(),
            LayerRebuilder.channels(op, layer.shape()),
            layer.name());
  }

  /** The layer's FP weight and bias with its batch norm folded in. */
  private static BatchNormFolding.Folded folded(
      ModelSession fp, QuantizableLayer layer, GraphOperation op) {
    return BatchNormFolding.fold(
        op,
        layer.shape(),
        fp.read(layer.weight()),
        layer.bias() == null ? null : fp.read(layer.bias()),
        batchNormOf(fp, layer, op));
  }

  /**
   * The layer's patches when it learns from the quadratic form ({@link Objective#QUADRATIC} and
   * {@link QuadraticChoice#cheaper}), else null. The caller asks only for layers without a batch
   * norm and without QDrop: the form is of the layer's own linear output on fixed inputs.
   */
  private PatchLayout quadraticLayout(GraphOperation op, long[] shape, Shape outputSample) {
    if (config.recipe().objective() != Objective.QUADRATIC) {
      return null;
    }
    PatchLayout layout = LayerRebuilder.patchLayout(op, shape);
    return layout != null
            && QuadraticChoice.cheaper(layout, config.recipe().batchSize(), outputSample.size())
        ? layout
        : null;
  }

  /** Raised by the training listener to stop a layer whose loss is no longer finite. */
  private static final class NonFiniteLoss extends RuntimeException {
    private final int iteration;

    NonFiniteLoss(int iteration) {
      super(null, null, false, false);
      this.iteration = iteration;
    }
  }

  private static boolean allFinite(float[] values) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Mean squared difference between {@code output} and the FP targets over every sample; with every
   * element of a QDrop input quantized, when there is one.
   */
  private static double outputError(
      Session session,
      AdaroundLayerGraph training,
      QDropInput qdrop,
      Operand<TFloat32> output,
      Samples inputs,
      Samples targets) {
    double sum = 0;
    long count = 0;
    for (int start = 0; start < inputs.count(); start += ERROR_CHUNK) {
      int[] indices = new int[Math.min(ERROR_CHUNK, inputs.count() - start)];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = start + i;
      }
      try (TFloat32 x = inputs.batch(indices);
          TFloat32 y = targets.batch(indices);
          TFloat32 all = TFloat32.scalarOf(1f);
          Result r = run(session, training, qdrop, x, all, output)) {
        float[] out = TensorData.floats(r.get(0));
        float[] target = TensorData.floats(y);
        for (int i = 0; i < out.length; i++) {
          double d = (double) out[i] - target[i];
          sum += d * d;
        }
        count += out.length;
      }
    }
    return sum / count;
  }

  private static Result run(
      Session session,
      AdaroundLayerGraph training,
      QDropInput qdrop,
      TFloat32 x,
      TFloat32 all,
      Operand<TFloat32> output) {
    var runner = session.runner().feed(training.input(), x);
    if (qdrop != null) {
      runner.feed(qdrop.probability(), all);
    }
    return runner.fetch(output).run();
  }

  private static float[] fetch(Session session, Operand<TFloat32> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
