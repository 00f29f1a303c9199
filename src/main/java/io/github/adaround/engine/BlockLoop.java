package io.github.adaround.engine;

import io.github.adaround.block.Block;
import io.github.adaround.block.SubgraphCopy;
import io.github.adaround.error.UserError;
import io.github.adaround.export.BlockReport;
import io.github.adaround.export.LayerReport;
import io.github.adaround.export.TensorBoardLog;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.TrainingListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;

/**
 * The blocks of a run in graph order ({@code --reconstruction block}), each restored or quantized
 * ({@link BlockQuantizer}) and written into the quantized model before the next block's inputs are
 * cached from it. An unfinished run's state holds whole blocks: every layer of a block is recorded
 * once the block is done, so a resumed run starts again at the first unfinished block.
 */
final class BlockLoop {

  private final RunContext run;
  private final EngineListener listener;
  private final List<BlockReport> blocks = new ArrayList<>();

  BlockLoop(RunContext run, EngineListener listener) {
    this.run = run;
    this.listener = listener;
  }

  /**
   * Each block in turn; returns every layer's report in graph order, and {@link #blocks()} the
   * blocks'.
   */
  List<LayerReport> quantize(List<Block> found, RunState state, TensorBoardLog log)
      throws IOException {
    List<RunState.Finished> finished = new ArrayList<>(state == null ? List.of() : state.restore());
    SubgraphCopy copy = new SubgraphCopy(run.fp().graph(), run.fp().source().session());
    List<LayerReport> reports = new ArrayList<>();
    int iterations = run.config().nearest() ? 0 : run.config().recipe().iterations();
    for (Block block : found) {
      int first = reports.size();
      if (first + block.layers().size() <= finished.size()) {
        restore(block, found.size(), finished.subList(first, first + block.layers().size()));
        finished
            .subList(first, first + block.layers().size())
            .forEach(f -> reports.add(f.report()));
        continue;
      }
      listener.blockStarted(block, found.size(), iterations);
      BlockQuantizer.Outcome outcome =
          new BlockQuantizer(run, block, copy).quantize(heard(block, log));
      reports.addAll(outcome.layers());
      blocks.add(outcome.block());
      if (state != null) {
        // A state written in the middle of this block (a run killed between its layers' records)
        // holds some of its layers: they are learnt again, and replaced.
        finished = new ArrayList<>(finished.subList(0, first));
        for (int l = 0; l < block.layers().size(); l++) {
          finished.add(new RunState.Finished(outcome.layers().get(l), outcome.hardened().get(l)));
          // The state writes the weight of its last layer only: one record per layer.
          state.record(finished);
        }
      }
      listener.blockFinished(outcome.block(), outcome.layers());
    }
    return reports;
  }

  /** The blocks done so far (a restored one with the errors its layers recorded). */
  List<BlockReport> blocks() {
    return List.copyOf(blocks);
  }

  /** Writes the block's layers as an unfinished run finished them. */
  private void restore(Block block, int count, List<RunState.Finished> done) {
    double seconds = 0;
    for (int l = 0; l < done.size(); l++) {
      QuantizableLayer layer = block.layers().get(l);
      RunState.Finished f = done.get(l);
      if (!f.report().layer().weight().equals(layer.weight())) {
        throw new UserError(
            "the unfinished run's layer "
                + f.report().layer().weight()
                + " is not block "
                + block.index()
                + "'s "
                + layer.weight());
      }
      run.quantized().write(layer.weight(), Shape.of(layer.shape()), f.hardened());
      seconds += f.report().seconds();
    }
    BlockReport report =
        new BlockReport(
            block.index(),
            block.inputs(),
            block.outputs(),
            block.layers().stream().map(QuantizableLayer::weight).toList(),
            seconds,
            done.get(0).report().errors(),
            done.get(0).report().rounding().exported());
    blocks.add(report);
    listener.blockRestored(report, count);
  }

  /** Hears the block's losses: into {@code log} when there is one, and to the listener. */
  private TrainingListener heard(Block block, TensorBoardLog log) {
    String name = "block_" + block.index();
    return report -> {
      if (log != null) {
        log.scalar(name + "/reconstruction", report.iteration(), report.reconstruction());
        log.scalar(name + "/regularization", report.iteration(), report.regularization());
        log.scalar(name + "/beta", report.iteration(), report.beta());
      }
      listener.lossReported(report);
    };
  }
}
