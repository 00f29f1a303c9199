package io.github.adaround.engine;

import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.model.ModelException;
import io.github.adaround.model.SavedModels;
import io.github.adaround.quadratic.GramStatistics;
import io.github.adaround.quadratic.PatchLayout;
import io.github.adaround.quadratic.QuadraticChoice;
import io.github.adaround.quadratic.QuadraticLayerGraph;
import io.github.adaround.quadratic.QuadraticTrainer;
import io.github.adaround.quant.MseScaleSearch;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundLayerGraph;
import io.github.adaround.train.LayerFunction;
import io.github.adaround.train.LayerResult;
import io.github.adaround.train.LayerTrainer;
import io.github.adaround.train.Objective;
import io.github.adaround.train.Samples;
import io.github.adaround.train.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 */
public final class AdaroundEngine {

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
    try (ModelSession fp = open(modelDir);
        ModelSession quantized = open(modelDir)) {
      long sampleSize = fp.sampleShape().size();
      if ((long) calibration.count() * sampleSize != calibration.samples().length
          || (long) calibration.heldBackCount() * sampleSize != calibration.heldBack().length) {
        throw new IllegalArgumentException(
            "calibration data must be whole samples of shape " + fp.sampleShape());
      }
      List<QuantizableLayer> layers = LayerInspector.inspect(fp.bundle().graph());
      if (layers.isEmpty()) {
        throw new ModelException(
            modelDir,
            "no quantizable layers (Conv2D, DepthwiseConv2dNative or MatMul on a variable)");
      }
      List<RunState.Finished> finished =
          new ArrayList<>(state == null ? List.of() : state.restore());
      List<LayerReport> reports = new ArrayList<>();
      try (TensorBoardLog log = new TensorBoardLog(outDir.resolve("logs"))) {
        for (int i = 0; i < layers.size(); i++) {
          QuantizableLayer layer = layers.get(i);
          if (i < finished.size()) {
            RunState.Finished done = finished.get(i);
            if (!done.report().weight().equals(layer.weight())) {
              throw new IllegalArgumentException(
                  "the unfinished run's layer " + i + " is " + done.report().weight());
            }
            quantized.write(layer.weight(), Shape.of(layer.shape()), done.hardened());
            reports.add(done.report());
            listener.layerRestored(i, layers.size(), done.report());
            continue;
          }
          listener.layerStarted(
              i, layers.size(), layer, config.nearest() ? 0 : config.recipe().iterations());
          TrainingListener heard =
              report -> {
                log.scalar(
                    layer.weight() + "/reconstruction",
                    report.iteration(),
                    report.reconstruction());
                log.scalar(
                    layer.weight() + "/regularization",
                    report.iteration(),
                    report.regularization());
                log.scalar(layer.weight() + "/beta", report.iteration(), report.beta());
                listener.lossReported(report);
              };
          LayerReport report = quantizeLayer(fp, quantized, layer, calibration, heard);
          reports.add(report);
          if (state != null) {
            finished.add(new RunState.Finished(report, quantized.read(layer.weight())));
            state.record(finished);
          }
          listener.layerFinished(report);
        }
      }
      if (config.storage() == Storage.CODES) {
        CodesExport.export(quantized, reports, config.bits(), outDir);
      } else {
        quantized.export(outDir);
      }
      EncodingsFile.write(outDir.resolve("encodings.json"), reports, config.bits());
      ReportFile.write(
          outDir.resolve("report.json"), modelDir, config, calibration.count(), reports);
      return reports;
    }
  }

  private ModelSession open(Path modelDir) throws ModelException {
    var bundle = SavedModels.load(modelDir, config.allowedOps());
    try {
      return new ModelSession(bundle, config.signature());
    } catch (IllegalArgumentException e) {
      bundle.close();
      throw new ModelException(modelDir, e.getMessage());
    }
  }

  private LayerReport quantizeLayer(
      ModelSession fp,
      ModelSession quantized,
      QuantizableLayer layer,
      Calibration calibration,
      TrainingListener heard) {
    long start = System.nanoTime();
    long[] shape = layer.shape();
    float[] weight = fp.read(layer.weight());
    for (float w : weight) {
      if (!Float.isFinite(w)) {
        throw new IllegalArgumentException(
            "layer " + layer.name() + ": weight '" + layer.weight() + "' contains NaN or Inf");
      }
    }
    float[] bias = layer.bias() == null ? null : fp.read(layer.bias());
    GraphOperation op = fp.bundle().graph().operationOrThrow(layer.name());
    QuantSpec spec = QuantSpec.signed(config.bits());
    if (config.perChannel()) {
      spec = spec.perChannel(LayerRebuilder.channelAxes(op));
    }
    // null: the graph's min-max observer chooses the scale, bit-exact with the reference.
    float[] scale = config.grid() == Grid.MSE ? MseScaleSearch.scales(weight, shape, spec) : null;
    LayerFunction function = LayerRebuilder.rebuild(op, layer, bias);

    try (LayerCaches caches =
            LayerCaches.of(fp, quantized, layer, calibration, config.cacheBytes());
        Graph graph = new Graph();
        Session session = new Session(graph)) {
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
      PatchLayout quadratic = quadraticLayout(op, shape, caches.targets().sampleShape());
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
                    LayerRebuilder.preActivation(fp.bundle().graph(), layer),
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
                training.hardOutput(),
                caches.checkInputs(),
                caches.checkTargets());
        double near =
            outputError(
                session,
                training,
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
              session, training, training.nearestOutput(), caches.inputs(), caches.targets());
      double error =
          adaround
              ? outputError(
                  session, training, training.hardOutput(), caches.inputs(), caches.targets())
              : nearestError;
      float[] scales = fetch(session, training.quantizer().scale());
      quantized.write(layer.weight(), Shape.of(shape), hardened);
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

  /**
   * The layer's patches when it learns from the quadratic form ({@link Objective#QUADRATIC} and
   * {@link QuadraticChoice#cheaper}), else null.
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

  /** Mean squared difference between {@code output} and the FP targets over every sample. */
  private static double outputError(
      Session session,
      AdaroundLayerGraph training,
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
          Result r = session.runner().feed(training.input(), x).fetch(output).run()) {
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

  private static float[] fetch(Session session, Operand<TFloat32> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
