package io.github.adaround.cli;

import io.github.adaround.engine.EngineListener;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.NotQuantized;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.LossReport;

/** A progress bar per layer with iteration, loss parts and ETA. */
final class ConsoleProgress implements EngineListener {
  private final ProgressBar bar = ProgressBar.onStderr();
  private final int reportEvery;
  private int lastIteration = -1;

  ConsoleProgress(int reportEvery) {
    this.reportEvery = reportEvery;
  }

  @Override
  public void layerStarted(int index, int count, QuantizableLayer layer, int iterations) {
    bar.start(String.format("[%d/%d] %s", index + 1, count, layer.weight()), iterations);
    lastIteration = -1;
  }

  @Override
  public void lossReported(LossReport report) {
    bar.advance(
        report.iteration() - lastIteration,
        String.format(
            "rec %.3g reg %.3g beta %.1f",
            report.reconstruction(), report.regularization(), report.beta()));
    lastIteration = report.iteration();
  }

  @Override
  public void notQuantized(NotQuantized skipped) {
    System.err.println(skipped.line());
  }

  @Override
  public void layerRestored(int index, int count, LayerReport report) {
    bar.start(String.format("[%d/%d] %s", index + 1, count, report.layer().weight()), 1);
    bar.advance(1, "");
    bar.finish("restored from the unfinished run");
  }

  @Override
  public void layerFinished(LayerReport report) {
    bar.finish(
        String.format(
            "mse %.3g (nearest %.3g), %d changed, %.1fs%s",
            report.errors().adaround(),
            report.errors().nearest(),
            report.rounding().changedFromNearest(),
            report.seconds(),
            report.rounding().note() == null ? "" : " -- " + report.rounding().note()));
  }
}
