package io.github.adaround.bench;

import io.github.adaround.loss.BetaSchedule;
import io.github.adaround.quadratic.ConvPatches;
import io.github.adaround.quadratic.DensePatches;
import io.github.adaround.quadratic.GramAccumulator;
import io.github.adaround.quadratic.GramStatistics;
import io.github.adaround.quadratic.PatchLayout;
import io.github.adaround.quadratic.QuadraticChoice;
import io.github.adaround.quadratic.QuadraticLayerGraph;
import io.github.adaround.quant.AdaroundFakeQuantizer;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.tf.SessionThreads;
import io.github.adaround.train.AdaroundRecipe;
import io.github.adaround.train.LayerFunction;
import io.github.adaround.train.SampleSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.stream.IntStream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Times the step of {@link io.github.adaround.train.Objective#QUADRATIC} on a {@link BenchCase}
 * where the engine would choose it ({@link QuadraticChoice#cheaper}): the quantizer, the quadratic
 * form of the pre-activation error over all {@value StepBenchmark#CALIBRATION_SAMPLES} samples, the
 * regulariser and Adam on V, on the same weight and samples as {@link StepBenchmark}. A different
 * recipe (full batch, no ReLU in the loss), so not the step PyTorch is compared on.
 */
final class QuadraticStepBenchmark {

  private final SessionThreads threads;
  private final int warmUp;
  private final int repeats;

  public QuadraticStepBenchmark(SessionThreads threads, int warmUp, int repeats) {
    this.threads = threads;
    this.warmUp = warmUp;
    this.repeats = repeats;
  }

  /** The median milliseconds of a step, or empty where the engine keeps minibatches. */
  public OptionalDouble measure(BenchCase c, int steps) {
    PatchLayout layout =
        c.conv()
            ? new ConvPatches(
                3,
                3,
                c.in(),
                c.out(),
                false,
                List.of(1L, 1L, 1L, 1L),
                List.of(1L, 1L, 1L, 1L),
                "SAME",
                List.of())
            : new DensePatches(c.in(), c.out(), false);
    if (!QuadraticChoice.cheaper(layout, c.batch(), c.outputSample().size())) {
      return OptionalDouble.empty();
    }
    int timed = warmUp + steps * repeats;
    AdaroundRecipe recipe =
        AdaroundRecipe.QUADRATIC.withIterations(5 * (timed + 1)).withBatchSize(c.batch());
    int firstActive =
        (int) Math.ceil(new BetaSchedule(recipe.loss(), recipe.iterations()).warmStartEnd());
    float[] weight = BenchSamples.weight(c);
    SampleSet inputs = BenchSamples.inputs(c);
    GramStatistics statistics = statistics(c, layout, weight, inputs);
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> w = tf.constant(c.weightShape(), DataBuffers.of(weight, true, false));
      AdaroundFakeQuantizer quantizer =
          AdaroundFakeQuantizer.create(tf, w, QuantSpec.signed(4), "bench/kernel");
      QuadraticLayerGraph form = QuadraticLayerGraph.create(tf, quantizer, w, statistics, recipe);
      try (Session session = threads.open(graph)) {
        session.run(form.initialize());
        int[] next = {firstActive};
        return OptionalDouble.of(
            Timing.medianMillisPerUnit(
                units -> {
                  for (int i = 0; i < units; i++) {
                    try (TInt64 it = TInt64.scalarOf(next[0]++)) {
                      session
                          .runner()
                          .feed(form.iteration(), it)
                          .addTarget(form.adam().step())
                          .run()
                          .close();
                    }
                  }
                },
                warmUp,
                steps,
                repeats));
      }
    }
  }

  /** The Gram sums of the linear layer (no ReLU) against its own FP outputs. */
  private static GramStatistics statistics(
      BenchCase c, PatchLayout layout, float[] weight, SampleSet inputs) {
    LayerFunction linear = c.linear();
    int[] all = IntStream.range(0, inputs.count()).toArray();
    try (GramAccumulator sums =
            new GramAccumulator(
                layout, linear, weight, c.weightShape(), c.inputSample(), c.outputSample());
        TFloat32 x = inputs.batch(all);
        TFloat32 y = BenchSamples.linearOutputs(c, weight, x)) {
      sums.add(x, y);
      return sums.result();
    }
  }
}
