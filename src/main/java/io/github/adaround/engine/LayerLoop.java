package io.github.adaround.engine;

import io.github.adaround.error.UserError;
import io.github.adaround.export.LayerReport;
import io.github.adaround.export.TensorBoardLog;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.rebuild.BatchNormFolding;
import io.github.adaround.train.TrainingListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;

/** The layers of a run in graph order, each restored or quantized, and written into the models. */
final class LayerLoop {

  private final RunContext run;
  private final EngineListener listener;

  LayerLoop(RunContext run, EngineListener listener) {
    this.run = run;
    this.listener = listener;
  }

  /**
   * Each layer in turn: restored from {@code state} (if it holds it) or learnt, and written into
   * the quantized model; loss curves go to {@code log} when there is one.
   */
  List<LayerReport> quantize(List<QuantizableLayer> layers, RunState state, TensorBoardLog log)
      throws IOException {
    List<RunState.Finished> finished = new ArrayList<>(state == null ? List.of() : state.restore());
    List<LayerReport> reports = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      QuantizableLayer layer = layers.get(i);
      if (i < finished.size()) {
        reports.add(restore(i, layers, finished.get(i)));
        continue;
      }
      listener.layerStarted(
          i, layers.size(), layer, run.config().nearest() ? 0 : run.config().recipe().iterations());
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
  private LayerReport restore(int i, List<QuantizableLayer> layers, RunState.Finished done) {
    QuantizableLayer layer = layers.get(i);
    if (!done.report().layer().weight().equals(layer.weight())) {
      throw new UserError(
          "the unfinished run's layer " + i + " is " + done.report().layer().weight());
    }
    run.quantized().write(layer.weight(), Shape.of(layer.shape()), done.hardened());
    if (run.simulated() != null) {
      run.simulated().write(layer.weight(), Shape.of(layer.shape()), done.hardened());
    }
    if (PreparedWeight.folds(run.config(), layer)) {
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
}
