package io.github.adaround.cli;

import io.github.adaround.block.Block;
import io.github.adaround.engine.EngineListener;
import io.github.adaround.export.BlockReport;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.NotQuantized;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.LossReport;
import java.util.List;

/** A progress bar per layer (or per block) with iteration, loss parts and ETA. */
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
  public void blockStarted(Block block, int count, int iterations) {
    List<String> weights = block.layers().stream().map(QuantizableLayer::weight).toList();
    bar.start(
        String.format("[block %d/%d] %s", block.index() + 1, count, String.join(" + ", weights)),
        iterations);
    lastIteration = -1;
  }

  @Override
  public void blockFinished(BlockReport block, List<LayerReport> layers) {
    long changed = layers.stream().mapToLong(l -> l.rounding().changedFromNearest()).sum();
    bar.finish(
        String.format(
            "block mse %.3g (nearest %.3g), %d changed, %.1fs%s",
            block.errors().adaround(),
            block.errors().nearest(),
            changed,
            block.seconds(),
            block.exported().equals("nearest")
                    && !layers.isEmpty()
                    && layers.get(0).rounding().note() != null
                ? " -- " + layers.get(0).rounding().note()
                : ""));
  }

  @Override
  public void blockRestored(BlockReport block, int count) {
    bar.start(
        String.format(
            "[block %d/%d] %s", block.index() + 1, count, String.join(" + ", block.weights())),
        1);
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
