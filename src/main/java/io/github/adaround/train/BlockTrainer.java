package io.github.adaround.train;

import io.github.adaround.tf.TensorData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Runs one block's joint AdaRound in a session: seeded random minibatches of the cached block
 * inputs (the same rows of every input) and FP block outputs, one Adam step over every V each, the
 * loss parts reported every few steps, then each layer hardened ({@code h = 1[V >= 0]}). The same
 * data, recipe and seed give the same bits.
 */
public final class BlockTrainer {

  /** Samples per evaluation run, at most. */
  private static final int CHUNK = 256;

  private final Session session;
  private final BlockTrainingGraph graph;

  public BlockTrainer(Session session, BlockTrainingGraph graph) {
    this.session = session;
    this.graph = graph;
  }

  /**
   * Learns the roundings of the block's weights.
   *
   * @param inputs the block's inputs on the calibration samples, one set per input
   * @param targets the FP block's outputs on the same samples
   * @return each weight's result, in the graph's order
   * @throws IllegalArgumentException if the sample sets do not have the same count
   */
  public List<LayerResult> train(
      List<? extends Samples> inputs, Samples targets, TrainingListener listener) {
    for (Samples s : inputs) {
      if (s.count() != targets.count()) {
        throw new IllegalArgumentException(
            s.count() + " input samples but " + targets.count() + " targets");
      }
    }
    if (targets.count() == 0) {
      throw new IllegalArgumentException("no calibration samples");
    }
    AdaroundRecipe recipe = graph.recipe();
    session.run(graph.initialize());
    MinibatchSampler sampler =
        new MinibatchSampler(
            targets.count(), recipe.batchSize(), new SplittableRandom(recipe.seed()));
    List<LossReport> reports = new ArrayList<>();
    for (int it = 0; it < recipe.iterations(); it++) {
      boolean report = (it + 1) % recipe.reportEvery() == 0 || it == recipe.iterations() - 1;
      int[] batch = sampler.next();
      List<Tensor> fed = new ArrayList<>();
      try {
        Session.Runner runner = session.runner();
        runner.feed(graph.iteration(), kept(fed, TInt64.scalarOf(it)));
        for (int k = 0; k < inputs.size(); k++) {
          runner.feed(graph.inputs().get(k), kept(fed, inputs.get(k).batch(batch)));
        }
        runner.feed(graph.target(), kept(fed, targets.batch(batch)));
        runner.addTarget(graph.stepAt(it));
        if (report) {
          runner
              .fetch(graph.loss().reconstruction())
              .fetch(graph.loss().regularization())
              .fetch(graph.loss().beta());
        }
        try (Result r = runner.run()) {
          if (report) {
            LossReport lossReport =
                new LossReport(
                    it,
                    TensorData.scalar(r.get(0)),
                    TensorData.scalar(r.get(1)),
                    TensorData.scalar(r.get(2)));
            reports.add(lossReport);
            listener.onReport(lossReport);
          }
        }
      } finally {
        fed.forEach(Tensor::close);
      }
    }
    List<LayerResult> results = new ArrayList<>();
    for (var quantizer : graph.quantizers()) {
      results.add(Hardening.harden(session, quantizer, reports));
    }
    return results;
  }

  /**
   * The mean squared difference between {@code output} (one of the graph's block outputs) on {@code
   * inputs} and {@code targets}, over every element of every sample.
   */
  public double error(Operand<TFloat32> output, List<? extends Samples> inputs, Samples targets) {
    double sum = 0;
    long count = 0;
    for (int start = 0; start < targets.count(); start += CHUNK) {
      int[] indices = new int[Math.min(CHUNK, targets.count() - start)];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = start + i;
      }
      List<Tensor> fed = new ArrayList<>();
      try (TFloat32 y = targets.batch(indices)) {
        Session.Runner runner = session.runner();
        for (int k = 0; k < inputs.size(); k++) {
          runner.feed(graph.inputs().get(k), kept(fed, inputs.get(k).batch(indices)));
        }
        try (Result r = runner.fetch(output).run()) {
          float[] out = TensorData.floats(r.get(0));
          float[] target = TensorData.floats(y);
          for (int i = 0; i < out.length; i++) {
            double d = (double) out[i] - target[i];
            sum += d * d;
          }
          count += out.length;
        }
      } finally {
        fed.forEach(Tensor::close);
      }
    }
    return sum / count;
  }

  private static <T extends Tensor> T kept(List<Tensor> fed, T tensor) {
    fed.add(tensor);
    return tensor;
  }
}
