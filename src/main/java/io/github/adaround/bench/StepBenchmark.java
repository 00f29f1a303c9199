package io.github.adaround.bench;

import io.github.adaround.loss.BetaSchedule;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.tf.SessionThreads;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundLayerGraph;
import io.github.adaround.train.AdaroundRecipe;
import io.github.adaround.train.SampleSet;
import io.github.adaround.train.TrainingStep;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Times the engine's training step ({@link TrainingStep}: minibatch draw, quantizer, layer,
 * activation, loss, gradient, Adam on V) on one {@link BenchCase}: 4-bit per-tensor weights, the
 * paper's recipe, {@value #CALIBRATION_SAMPLES} cached calibration samples, iterations after the
 * warm start (the regulariser is on, as in 80% of a real run).
 */
final class StepBenchmark {

  /** Calibration samples cached per case; minibatches are drawn from them. */
  static final int CALIBRATION_SAMPLES = 256;

  private final Function<BenchCase, SessionThreads> threadsOf;
  private final int warmUp;
  private final int repeats;

  /**
   * @param threadsOf the session's thread pools for each case
   * @param warmUp untimed steps before the first repeat
   * @param repeats timed repeats, of which the median is taken
   */
  public StepBenchmark(Function<BenchCase, SessionThreads> threadsOf, int warmUp, int repeats) {
    this.threadsOf = threadsOf;
    this.warmUp = warmUp;
    this.repeats = repeats;
  }

  /** The median time of a step of {@code c} over repeats of {@code steps} steps. */
  public CaseResult measure(BenchCase c, int steps) {
    int timed = warmUp + steps * repeats;
    // The paper's warm start is the first 20% of iterations: the steps run right after it.
    AdaroundRecipe recipe =
        AdaroundRecipe.PAPER.withIterations(5 * (timed + 1)).withBatchSize(c.batch());
    int firstActive =
        (int) Math.ceil(new BetaSchedule(recipe.loss(), recipe.iterations()).warmStartEnd());
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> weight =
          tf.constant(c.weightShape(), DataBuffers.of(BenchSamples.weight(c)));
      AdaroundLayerGraph layer =
          AdaroundLayerGraph.create(
              tf,
              weight,
              "bench/kernel",
              QuantSpec.signed(4),
              c.layer(),
              c.inputSample(),
              c.outputSample(),
              recipe);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> fp = c.layer().apply(tf, x, weight);
      SessionThreads threads = threadsOf.apply(c);
      try (Session session = threads.open(graph)) {
        SampleSet inputs = BenchSamples.inputs(c);
        SampleSet targets = fpOutputs(session, x, fp, inputs, c);
        session.run(layer.initialize());
        TrainingStep step = new TrainingStep(session, layer, inputs, targets);
        int[] next = {firstActive};
        double ms =
            Timing.medianMillisPerUnit(
                units -> {
                  for (int i = 0; i < units; i++) {
                    step.run(next[0]++);
                  }
                },
                warmUp,
                steps,
                repeats);
        return new CaseResult(c, ms, threads);
      }
    }
  }

  private static SampleSet fpOutputs(
      Session session,
      Placeholder<TFloat32> x,
      Operand<TFloat32> fp,
      SampleSet inputs,
      BenchCase c) {
    int[] all = IntStream.range(0, inputs.count()).toArray();
    try (TFloat32 xs = inputs.batch(all);
        Result r = session.runner().feed(x, xs).fetch(fp).run()) {
      return new SampleSet(TensorData.floats(r.get(0)), c.outputSample());
    }
  }
}
