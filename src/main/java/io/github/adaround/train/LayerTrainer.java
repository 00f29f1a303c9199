package io.github.adaround.train;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;

/**
 * Runs one layer's AdaRound in a session: seeded random minibatches of the cached layer inputs and
 * FP targets, one V-only Adam step each, the loss parts reported every few steps, then hardening.
 * The same data, recipe and seed give the same bits.
 */
public final class LayerTrainer {

  private final Session session;
  private final AdaroundLayerGraph graph;

  public LayerTrainer(Session session, AdaroundLayerGraph graph) {
    this.session = session;
    this.graph = graph;
  }

  /**
   * Learns the rounding of the layer's weight.
   *
   * @param inputs the layer's inputs on the calibration samples
   * @param targets the FP layer's outputs on the same samples
   * @throws IllegalArgumentException if the sample sets do not fit the graph or each other
   */
  public LayerResult train(Samples inputs, Samples targets, TrainingListener listener) {
    checkFits("inputs", inputs, graph.inputSample());
    checkFits("targets", targets, graph.targetSample());
    if (inputs.count() != targets.count()) {
      throw new IllegalArgumentException(
          inputs.count() + " input samples but " + targets.count() + " targets");
    }
    if (inputs.count() == 0) {
      throw new IllegalArgumentException("no calibration samples");
    }
    AdaroundRecipe recipe = graph.recipe();
    session.run(graph.initialize());
    TrainingStep step = new TrainingStep(session, graph, inputs, targets);
    List<LossReport> reports = new ArrayList<>();
    for (int it = 0; it < recipe.iterations(); it++) {
      if ((it + 1) % recipe.reportEvery() == 0 || it == recipe.iterations() - 1) {
        LossReport report = step.runReporting(it);
        reports.add(report);
        listener.onReport(report);
      } else {
        step.run(it);
      }
    }
    return Hardening.harden(session, graph.quantizer(), reports);
  }

  private static void checkFits(String what, Samples samples, Shape shape) {
    if (!samples.sampleShape().equals(shape)) {
      throw new IllegalArgumentException(
          what + " have sample shape " + samples.sampleShape() + ", the layer expects " + shape);
    }
  }
}
