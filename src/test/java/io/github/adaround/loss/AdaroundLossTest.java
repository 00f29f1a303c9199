package io.github.adaround.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.GraphFixture;
import io.github.adaround.tf.TensorData;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The paper's reduction, the presets, and the validation of the loss and its schedule. */
class AdaroundLossTest {

  private static final float[] OUT = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  private static final float[] TARGET = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14};

  private static float reconstruction(Reduction reduction, Shape shape) {
    try (GraphFixture f = new GraphFixture()) {
      Placeholder<TInt64> it = f.tf.placeholder(TInt64.class);
      AdaroundLoss loss =
          AdaroundLoss.create(
              f.tf,
              LossConfig.PAPER.withReduction(reduction),
              10,
              f.constant(shape, OUT),
              f.constant(shape, TARGET),
              f.constant(Shape.of(2), new float[] {0.5f, 0.5f}),
              it);
      try (TInt64 zero = TInt64.scalarOf(0);
          Result r = f.session().runner().feed(it, zero).fetch(loss.reconstruction()).run()) {
        return TensorData.scalar(r.get(0));
      }
    }
  }

  @Test
  void paperReductionSumsOverOutputChannelsAndAveragesTheRest() {
    // Squared errors: 1 at [0, 0], 4 at the last element.
    assertEquals(5f / 12, reconstruction(Reduction.MEAN_ALL, Shape.of(4, 3)), 1e-7f);
    // Dense [batch 4, channels 3]: per-sample sums 1, 0, 0, 4, mean 5/4.
    assertEquals(5f / 4, reconstruction(Reduction.SUM_CHANNELS_MEAN_BATCH, Shape.of(4, 3)), 0f);
    // Conv NHWC [2, 2, 1, 3]: channel sums at 4 positions, mean 5/4.
    assertEquals(
        5f / 4, reconstruction(Reduction.SUM_CHANNELS_MEAN_BATCH, Shape.of(2, 2, 1, 3)), 0f);
  }

  @Test
  void regulariserCountsOneForAWeightAtHalfAndZeroAtTheEndsWithAFiniteGradient() {
    try (GraphFixture f = new GraphFixture()) {
      Placeholder<TInt64> it = f.tf.placeholder(TInt64.class);
      Operand<TFloat32> rounding = f.constant(Shape.of(4), new float[] {0.5f, 0f, 1f, 0.75f});
      // lambda 1, no warm start: beta starts at 20 at iteration 0.
      LossConfig config = LossConfig.PAPER.withLambda(1).withWarmStart(0);
      AdaroundLoss loss =
          AdaroundLoss.create(
              f.tf,
              config,
              10,
              f.constant(Shape.of(1, 1), new float[] {0}),
              f.constant(Shape.of(1, 1), new float[] {0}),
              rounding,
              it);
      Output<?>[] gradient =
          f.graph.addGradients(
              loss.regularization().asOutput(), new Output<?>[] {rounding.asOutput()});
      try (TInt64 zero = TInt64.scalarOf(0);
          Result r =
              f.session()
                  .runner()
                  .feed(it, zero)
                  .fetch(loss.regularization())
                  .fetch(gradient[0])
                  .run()) {
        // 1 - |2h - 1|^20 per weight: 1 at h = 0.5, 0 at 0 and 1, 1 - 0.5^20 at 0.75.
        assertEquals(1f + (1f - (float) Math.pow(0.5, 20)), TensorData.scalar(r.get(0)), 1e-6f);
        float[] g = TensorData.floats(r.get(1));
        assertEquals(0f, g[0], "gradient at h = 0.5");
        // d/dh (1 - (2h - 1)^20) = -40 (2h - 1)^19 for h > 0.5.
        assertEquals(-40 * (float) Math.pow(0.5, 19), g[3], 1e-9f);
        for (float v : g) {
          assertTrue(Float.isFinite(v), "finite gradient");
        }
      }
    }
  }

  @Test
  void presetsAreThePapersAndTheReferences() {
    assertEquals(0.01, LossConfig.PAPER.lambda());
    assertEquals(Reduction.SUM_CHANNELS_MEAN_BATCH, LossConfig.PAPER.reduction());
    assertEquals(0.001, LossConfig.REFERENCE.lambda());
    assertEquals(Reduction.MEAN_ALL, LossConfig.REFERENCE.reduction());
    for (LossConfig c : new LossConfig[] {LossConfig.PAPER, LossConfig.REFERENCE}) {
      assertEquals(0.2, c.warmStart());
      assertEquals(20, c.betaStart());
      assertEquals(2, c.betaEnd());
    }
  }

  @Test
  void scheduleStartsAtBetaStartAfterWarmStartAndEndsNearBetaEnd() {
    BetaSchedule s = new BetaSchedule(LossConfig.PAPER, 1000);
    assertTrue(s.isWarmStart(199));
    assertEquals(20.0, s.beta(200), 0);
    assertTrue(s.beta(999) > 2.0 && s.beta(999) < 2.001);
    assertTrue(s.beta(600) < s.beta(400));
  }

  @Test
  void invalidSettingsFailWithAClearMessage() {
    assertEquals(
        "warm start must be in [0, 1), got 1.0",
        assertThrows(IllegalArgumentException.class, () -> LossConfig.PAPER.withWarmStart(1))
            .getMessage());
    assertEquals(
        "beta must satisfy start >= end > 0, got start 2.0, end 20.0",
        assertThrows(IllegalArgumentException.class, () -> LossConfig.PAPER.withBeta(2, 20))
            .getMessage());
    assertThrows(IllegalArgumentException.class, () -> LossConfig.PAPER.withBeta(20, 0));
    assertEquals(
        "lambda must be >= 0, got -0.1",
        assertThrows(IllegalArgumentException.class, () -> LossConfig.PAPER.withLambda(-0.1))
            .getMessage());
    BetaSchedule s = new BetaSchedule(LossConfig.PAPER, 100);
    assertEquals(
        "iteration 100 is outside [0, max_iter 100)",
        assertThrows(IllegalArgumentException.class, () -> s.beta(100)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> new BetaSchedule(LossConfig.PAPER, 0));
  }

  @Test
  void theGraphRefusesAnIterationAtOrBeyondMaxIter() {
    try (GraphFixture f = new GraphFixture()) {
      Placeholder<TInt64> it = f.tf.placeholder(TInt64.class);
      AdaroundLoss loss =
          AdaroundLoss.create(
              f.tf,
              LossConfig.PAPER,
              100,
              f.constant(Shape.of(1, 2), new float[] {1, 2}),
              f.constant(Shape.of(1, 2), new float[] {1, 2}),
              f.constant(Shape.of(2), new float[] {0.3f, 0.6f}),
              it);
      try (TInt64 hundred = TInt64.scalarOf(100)) {
        TFInvalidArgumentException e =
            assertThrows(
                TFInvalidArgumentException.class,
                () -> f.session().runner().feed(it, hundred).fetch(loss.total()).run().close());
        assertTrue(e.getMessage().contains("iteration is outside [0, max_iter)"), e.getMessage());
      }
    }
  }
}
