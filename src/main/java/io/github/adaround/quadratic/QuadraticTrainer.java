package io.github.adaround.quadratic;

import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundRecipe;
import io.github.adaround.train.Hardening;
import io.github.adaround.train.LayerResult;
import io.github.adaround.train.LossReport;
import io.github.adaround.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TInt64;

/**
 * Runs one layer's AdaRound on a {@link QuadraticLayerGraph}: the recipe's iterations, each one
 * full-batch Adam step on V, the loss parts reported as {@link
 * io.github.adaround.train.LayerTrainer} reports them, then hardening. Nothing is drawn at random,
 * so the same statistics and recipe give the same bits.
 */
public final class QuadraticTrainer {

  private final Session session;
  private final QuadraticLayerGraph graph;

  public QuadraticTrainer(Session session, QuadraticLayerGraph graph) {
    this.session = session;
    this.graph = graph;
  }

  /** Learns the rounding of the layer's weight. */
  public LayerResult train(TrainingListener listener) {
    AdaroundRecipe recipe = graph.recipe();
    session.run(graph.initialize());
    List<LossReport> reports = new ArrayList<>();
    for (int it = 0; it < recipe.iterations(); it++) {
      boolean report = (it + 1) % recipe.reportEvery() == 0 || it == recipe.iterations() - 1;
      try (TInt64 iteration = TInt64.scalarOf(it)) {
        var runner =
            session.runner().feed(graph.iteration(), iteration).addTarget(graph.stepAt(it));
        if (!report) {
          runner.run().close();
          continue;
        }
        try (Result r =
            runner
                .fetch(graph.loss().reconstruction())
                .fetch(graph.loss().regularization())
                .fetch(graph.loss().beta())
                .run()) {
          LossReport loss =
              new LossReport(
                  it,
                  TensorData.scalar(r.get(0)),
                  TensorData.scalar(r.get(1)),
                  TensorData.scalar(r.get(2)));
          reports.add(loss);
          listener.onReport(loss);
        }
      }
    }
    return Hardening.harden(session, graph.quantizer(), reports);
  }
}
