package io.github.adaround.train;

import io.github.adaround.tf.TensorData;
import java.util.SplittableRandom;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * One iteration of a layer's AdaRound, as {@link LayerTrainer} runs it: draw the next seeded
 * minibatch of cached inputs and FP targets, then one V-only Adam step at the given iteration (on
 * the reconstruction term alone during the warm start, where the regulariser is 0). The caller runs
 * {@link AdaroundLayerGraph#initialize()} first.
 */
public final class TrainingStep {

  private final Session session;
  private final AdaroundLayerGraph graph;
  private final Samples inputs;
  private final Samples targets;
  private final MinibatchSampler sampler;

  /**
   * @param inputs the layer's inputs on the calibration samples (shape checked by the caller)
   * @param targets the FP layer's outputs on the same samples
   */
  public TrainingStep(Session session, AdaroundLayerGraph graph, Samples inputs, Samples targets) {
    this.session = session;
    this.graph = graph;
    this.inputs = inputs;
    this.targets = targets;
    AdaroundRecipe recipe = graph.recipe();
    this.sampler =
        new MinibatchSampler(
            inputs.count(), recipe.batchSize(), new SplittableRandom(recipe.seed()));
  }

  /** One Adam step on the next minibatch at {@code iteration}. */
  public void run(int iteration) {
    step(iteration, false).close();
  }

  /** As {@link #run}, and the loss parts of this step's minibatch (before the update). */
  public LossReport runReporting(int iteration) {
    try (Result r = step(iteration, true)) {
      return new LossReport(
          iteration,
          TensorData.scalar(r.get(0)),
          TensorData.scalar(r.get(1)),
          TensorData.scalar(r.get(2)));
    }
  }

  private Result step(int iteration, boolean report) {
    int[] batch = sampler.next();
    try (TFloat32 x = inputs.batch(batch);
        TFloat32 y = targets.batch(batch);
        TInt64 it = TInt64.scalarOf(iteration)) {
      var runner =
          session
              .runner()
              .feed(graph.input(), x)
              .feed(graph.target(), y)
              .feed(graph.iteration(), it)
              .addTarget(graph.stepAt(iteration));
      if (report) {
        runner
            .fetch(graph.loss().reconstruction())
            .fetch(graph.loss().regularization())
            .fetch(graph.loss().beta());
      }
      return runner.run();
    }
  }
}
