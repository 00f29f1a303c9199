package io.github.adaround.train;

import io.github.adaround.tf.TensorData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * One iteration of a layer's AdaRound, as {@link LayerTrainer} runs it: draw the next seeded
 * minibatch of cached inputs and FP targets, then one V-only Adam step at the given iteration (on
 * the reconstruction term alone during the warm start, where the regulariser is 0). The caller runs
 * {@link AdaroundLayerGraph#initialize()} first.
 *
 * <p>Samples held in memory and of up to {@link #GATHER_LIMIT_BYTES} (inputs and targets together)
 * are stored in the graph once ({@link GraphMinibatch}) and each step feeds only the minibatch's
 * indices; larger ones, and any that the activation cache spilled to disk, are copied into fed
 * tensors at each step. Both give the same bits: the same rows, drawn by the same seeded sampler.
 */
public final class TrainingStep {

  /**
   * The most bytes of samples stored in the graph. Stored, they are held twice until the layer's
   * session closes (the cache's copy stays for the evaluations after training), and three times
   * while they are loaded; the bound keeps the extra copies small next to the activation cache's
   * own budget (2 GiB by default).
   */
  static final long GATHER_LIMIT_BYTES = 256L << 20;

  private final Session session;
  private final AdaroundLayerGraph graph;
  private final Samples inputs;
  private final Samples targets;
  private final MinibatchSampler sampler;
  private final boolean gathered;

  /**
   * @param inputs the layer's inputs on the calibration samples (shape checked by the caller)
   * @param targets the FP layer's outputs on the same samples
   */
  public TrainingStep(Session session, AdaroundLayerGraph graph, Samples inputs, Samples targets) {
    this(session, graph, inputs, targets, GATHER_LIMIT_BYTES);
  }

  /**
   * As {@link #TrainingStep(Session, AdaroundLayerGraph, Samples, Samples)}, storing the samples in
   * the graph only when they are in memory and take at most {@code gatherLimitBytes}.
   */
  public TrainingStep(
      Session session,
      AdaroundLayerGraph graph,
      Samples inputs,
      Samples targets,
      long gatherLimitBytes) {
    this.session = session;
    this.graph = graph;
    this.inputs = inputs;
    this.targets = targets;
    AdaroundRecipe recipe = graph.recipe();
    this.sampler =
        new MinibatchSampler(
            inputs.count(), recipe.batchSize(), new SplittableRandom(recipe.seed()));
    this.gathered =
        inMemory(inputs) && inMemory(targets) && bytes(inputs) + bytes(targets) <= gatherLimitBytes;
    if (gathered) {
      store();
    }
  }

  private static boolean inMemory(Samples samples) {
    return samples.rowsInMemory() == samples.count();
  }

  private static long bytes(Samples samples) {
    return (long) samples.count() * samples.sampleShape().size() * Float.BYTES;
  }

  private void store() {
    int[] all = IntStream.range(0, inputs.count()).toArray();
    GraphMinibatch minibatch = graph.minibatch();
    try (TFloat32 x = inputs.batch(all);
        TFloat32 y = targets.batch(all)) {
      session
          .runner()
          .feed(minibatch.allInputs(), x)
          .feed(minibatch.allTargets(), y)
          .addTarget(minibatch.load())
          .run()
          .close();
    }
  }

  /** Whether the minibatches are gathered in the graph (else fed from Java). */
  boolean gathered() {
    return gathered;
  }

  /** One Adam step on the next minibatch at {@code iteration}. */
  public void run(int iteration) {
    step(iteration, false).close();
  }

  /** As {@link #run}, and the loss parts of this step's minibatch (before the update). */
  LossReport runReporting(int iteration) {
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
    List<Tensor> fed = new ArrayList<>(3);
    try {
      var runner = session.runner().feed(graph.iteration(), kept(fed, TInt64.scalarOf(iteration)));
      if (gathered) {
        runner.feed(graph.minibatch().indices(), kept(fed, TInt32.vectorOf(batch)));
      } else {
        runner
            .feed(graph.input(), kept(fed, inputs.batch(batch)))
            .feed(graph.target(), kept(fed, targets.batch(batch)));
      }
      runner.addTarget(graph.stepAt(iteration));
      if (report) {
        runner
            .fetch(graph.loss().reconstruction())
            .fetch(graph.loss().regularization())
            .fetch(graph.loss().beta());
      }
      return runner.run();
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private static <T extends Tensor> T kept(List<Tensor> fed, T tensor) {
    fed.add(tensor);
    return tensor;
  }
}
