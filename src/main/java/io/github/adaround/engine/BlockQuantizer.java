package io.github.adaround.engine;

import io.github.adaround.block.Block;
import io.github.adaround.block.SubgraphCopy;
import io.github.adaround.cache.BlockCaches;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.error.UserError;
import io.github.adaround.export.BlockReport;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.BlockTrainer;
import io.github.adaround.train.BlockTrainingGraph;
import io.github.adaround.train.LayerResult;
import io.github.adaround.train.TrainingListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;

/**
 * Block reconstruction of one block (BRECQ, Li et al. 2021, section 3.2, with AdaRound's rounding
 * as in their section 4):
 *
 * <ol>
 *   <li>each layer's grid as a layer reconstruction chooses it ({@link WeightGrid});
 *   <li>cache the block's inputs from the model whose earlier blocks are already hardened and its
 *       FP output {@code z_fp} from the untouched model ({@link BlockCaches});
 *   <li>learn every layer's V jointly on the block's own ops ({@link BlockTrainingGraph}): {@code
 *       min ||block(x; soft(W_1..W_L)) - z_fp||^2 + sum_l lambda reg(V_l)} on minibatches, then
 *       harden each ({@code V >= 0});
 *   <li>keep rounding to nearest for the whole block where its hardened output error is above
 *       nearest's ({@code --keep-best});
 *   <li>write every hardened weight into the quantized model and report, each layer with the
 *       block's output errors.
 * </ol>
 *
 * The block's batch norms and activations are the model's own ops in the copy; nothing is rebuilt.
 */
final class BlockQuantizer {

  /**
   * A finished block.
   *
   * @param block what was done to the block
   * @param layers what was done to each of its layers
   * @param hardened each layer's exported weight, in the weight's layout
   */
  record Outcome(BlockReport block, List<LayerReport> layers, List<float[]> hardened) {}

  private final RunContext run;
  private final QuantizeConfig config;
  private final Block block;
  private final SubgraphCopy copy;

  BlockQuantizer(RunContext run, Block block, SubgraphCopy copy) {
    this.run = run;
    this.config = run.config();
    this.block = block;
    this.copy = copy;
  }

  /** Quantizes the block, telling {@code heard} of the training's losses. */
  Outcome quantize(TrainingListener heard) {
    long start = System.nanoTime();
    if (block.outputs().size() != 1) {
      throw new UserError(
          "--reconstruction block needs one output per block; block "
              + block.index()
              + " ends at "
              + String.join(", ", block.outputs()));
    }
    List<WeightGrid> grids = new ArrayList<>();
    List<BlockTrainingGraph.Weight> weights = new ArrayList<>();
    for (QuantizableLayer layer : block.layers()) {
      float[] weight = finiteWeight(layer);
      GraphOperation op = run.fp().graph().operationOrThrow(layer.name());
      WeightGrid grid = WeightGrid.of(config, layer, op, weight);
      grids.add(grid);
      weights.add(
          new BlockTrainingGraph.Weight(
              layer.weight(), weight, grid.shape(), layer.shape(), grid.spec(), grid.scale()));
    }
    try (BlockCaches caches =
            BlockCaches.of(
                run.fp(),
                run.quantized(),
                block.inputs(),
                block.output(),
                run.calibration(),
                config.cacheBytes());
        Graph graph = new Graph();
        Session session = new Session(graph)) {
      Map<String, Shape> samples = new LinkedHashMap<>();
      for (int k = 0; k < block.inputs().size(); k++) {
        samples.put(block.inputs().get(k), caches.inputs().get(k).sampleShape());
      }
      BlockTrainingGraph training =
          BlockTrainingGraph.create(
              Ops.create(graph),
              copy,
              samples,
              block.output(),
              caches.targets().sampleShape(),
              weights,
              config.recipe());
      session.run(training.initialize());
      BlockTrainer trainer = new BlockTrainer(session, training);
      List<float[]> nearest = new ArrayList<>();
      for (var q : training.quantizers()) {
        try (Result r = session.runner().fetch(q.nearestOutput()).run()) {
          nearest.add(TensorData.floats(r.get(0)));
        }
      }
      List<LayerResult> learnt = null;
      String note = null;
      if (!config.nearest()) {
        try {
          learnt = trainer.train(caches.inputs(), caches.targets(), checked(heard));
        } catch (NonFiniteLoss e) {
          note = "non-finite loss at iteration " + e.iteration + "; kept nearest for the block";
        }
      }
      if (learnt != null) {
        note = keepBest(trainer, training, caches);
      }
      boolean adaround = learnt != null && note == null;
      double nearestError =
          trainer.error(training.nearestOutput(), caches.inputs(), caches.targets());
      double exportedError =
          adaround
              ? trainer.error(training.hardOutput(), caches.inputs(), caches.targets())
              : nearestError;
      LayerReport.Errors errors = new LayerReport.Errors(nearestError, exportedError);
      double seconds = (System.nanoTime() - start) / 1e9;
      List<LayerReport> reports = new ArrayList<>();
      List<float[]> hardened = new ArrayList<>();
      for (int l = 0; l < block.layers().size(); l++) {
        QuantizableLayer layer = block.layers().get(l);
        float[] exported = adaround ? learnt.get(l).hardenedWeight() : nearest.get(l);
        run.quantized().write(layer.weight(), Shape.of(layer.shape()), exported);
        hardened.add(exported);
        try (Result r = session.runner().fetch(training.quantizers().get(l).scale()).run()) {
          reports.add(
              new LayerReport(
                  new LayerReport.Layer(layer.name(), layer.op(), layer.weight(), layer.shape()),
                  new LayerReport.Scales(
                      config.weights().grid(),
                      config.weights().bitsOf(layer.weight()),
                      TensorData.floats(r.get(0)),
                      training.quantizers().get(l).scaleShape().asArray()),
                  errors,
                  new LayerReport.Rounding(
                      adaround ? "adaround" : "nearest",
                      "minibatch",
                      learnt == null ? 0 : learnt.get(l).softShare(),
                      adaround ? learnt.get(l).changedFromNearest() : 0,
                      join(grids.get(l).note(), note)),
                  seconds / block.layers().size()));
        }
      }
      BlockReport report =
          new BlockReport(
              block.index(),
              block.inputs(),
              block.outputs(),
              block.layers().stream().map(QuantizableLayer::weight).toList(),
              seconds,
              errors,
              adaround ? "adaround" : "nearest");
      return new Outcome(report, reports, hardened);
    }
  }

  /**
   * Null where the block's hardened output error on the check samples is at most nearest's (or
   * {@code --keep-best} is off), else why nearest is kept.
   */
  private String keepBest(BlockTrainer trainer, BlockTrainingGraph training, BlockCaches caches) {
    if (!config.keepBest()) {
      return null;
    }
    double ada = trainer.error(training.hardOutput(), caches.checkInputs(), caches.checkTargets());
    double near =
        trainer.error(training.nearestOutput(), caches.checkInputs(), caches.checkTargets());
    if (!(ada > near)) {
      return null;
    }
    return String.format(
        "the block's AdaRound error %.4g is above nearest's %.4g on %s samples; kept nearest for"
            + " the block",
        ada, near, caches.heldBack() ? "held-back" : "calibration");
  }

  private float[] finiteWeight(QuantizableLayer layer) {
    float[] weight = run.fp().read(layer.weight());
    for (float w : weight) {
      if (!Float.isFinite(w)) {
        throw new UserError(
            "layer " + layer.name() + ": weight '" + layer.weight() + "' contains NaN or Inf");
      }
    }
    return weight;
  }

  private static String join(String a, String b) {
    return a == null ? b : b == null ? a : a + "; " + b;
  }

  /** {@code heard}, stopping the training at the first loss that is not finite. */
  private static TrainingListener checked(TrainingListener heard) {
    return report -> {
      if (!Float.isFinite(report.reconstruction()) || !Float.isFinite(report.regularization())) {
        throw new NonFiniteLoss(report.iteration());
      }
      heard.onReport(report);
    };
  }

  /** Raised by the listener to stop a block whose loss is no longer finite. */
  private static final class NonFiniteLoss extends RuntimeException {
    private final int iteration;

    NonFiniteLoss(int iteration) {
      super(null, null, false, false);
      this.iteration = iteration;
    }
  }
}
