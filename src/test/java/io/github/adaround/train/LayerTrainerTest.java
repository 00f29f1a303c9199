package io.github.adaround.train;

import static io.github.adaround.tf.GraphFixture.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.cache.ActivationCache;
import io.github.adaround.quant.AdaroundFakeQuantizer;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.tf.GraphFixture;
import io.github.adaround.tf.TensorData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** The per-layer loop in a user's graph: reproducible, V-only, and better than nearest rounding. */
class LayerTrainerTest {

  private static final Shape DENSE_IN = Shape.of(32);
  private static final Shape DENSE_OUT = Shape.of(16);

  /** A Dense 32 -> 16 layer with bias and ReLU, TF's kernel layout [in, out]. */
  private static LayerFunction dense(GraphFixture f, float[] bias) {
    Operand<TFloat32> b = f.constant(Shape.of(bias.length), bias);
    return (tf, x, w) -> tf.nn.relu(tf.nn.biasAdd(tf.linalg.matMul(x, w), b));
  }

  /** The FP outputs of {@code layer} with {@code weight} on every sample, computed by TF. */
  private static SampleSet fpTargets(
      GraphFixture f, LayerFunction layer, Operand<TFloat32> weight, SampleSet inputs, Shape out) {
    Placeholder<TFloat32> x = f.tf.placeholder(TFloat32.class);
    Operand<TFloat32> y = layer.apply(f.tf, x, weight);
    int[] all = new int[inputs.count()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    try (TFloat32 xs = inputs.batch(all);
        Result r = f.session().runner().feed(x, xs).fetch(y).run()) {
      return new SampleSet(TensorData.floats(r.get(0)), out);
    }
  }

  /** The training graph of the Dense 32 -> 16 layer, 4-bit per output channel. */
  private static AdaroundLayerGraph perChannelDense(
      GraphFixture f, Operand<TFloat32> weight, LayerFunction layer, AdaroundRecipe recipe) {
    return AdaroundLayerGraph.create(
        f.tf,
        weight,
        "dense/kernel",
        QuantSpec.signed(4).perChannel(-1),
        layer,
        DENSE_IN,
        DENSE_OUT,
        recipe);
  }

  private static float[] trainDenseAndReadV(int iterations) {
    try (GraphFixture f = new GraphFixture()) {
      float[] w = scaled(randn(11, 32 * 16), 0.2f);
      Operand<TFloat32> weight = f.constant(Shape.of(32, 16), w);
      LayerFunction layer = dense(f, randn(12, 16));
      SampleSet inputs = new SampleSet(randn(13, 256 * 32), DENSE_IN);
      SampleSet targets = fpTargets(f, layer, weight, inputs, DENSE_OUT);
      AdaroundLayerGraph g =
          perChannelDense(
              f, weight, layer, AdaroundRecipe.PAPER.withIterations(iterations).withSeed(5));
      Operand<TFloat32> v = f.tf.snapshot(g.quantizer().v());
      new LayerTrainer(f.session(), g).train(inputs, targets, TrainingListener.SILENT);
      return f.floats(v);
    }
  }

  private static float[] scaled(float[] values, float factor) {
    for (int i = 0; i < values.length; i++) {
      values[i] *= factor;
    }
    return values;
  }

  @Test
  void tenIdenticalRunsOf300StepsGiveBitIdenticalV() {
    float[] first = trainDenseAndReadV(300);
    for (int run = 1; run < 10; run++) {
      assertArrayEquals(first, trainDenseAndReadV(300), "run " + run + " differs");
    }
  }

  @Test
  void trainingChangesOnlyThisLayersV() {
    try (GraphFixture f = new GraphFixture()) {
      Variable<TFloat32> fpWeight =
          f.tf
              .withName("dense_kernel")
              .variable(f.constant(Shape.of(32, 16), scaled(randn(21, 512), 0.2f)));
      Variable<TFloat32> unrelated =
          f.tf.withName("other").variable(f.constant(Shape.of(3), randn(22, 3)));
      AdaroundFakeQuantizer secondLayer =
          AdaroundFakeQuantizer.create(
              f.tf,
              f.constant(Shape.of(16, 8), randn(23, 128)),
              QuantSpec.signed(4),
              "dense_1/kernel");
      LayerFunction layer = dense(f, randn(24, 16));
      AdaroundLayerGraph g =
          AdaroundLayerGraph.create(
              f.tf,
              fpWeight,
              "dense/kernel",
              QuantSpec.signed(4),
              layer,
              DENSE_IN,
              DENSE_OUT,
              AdaroundRecipe.PAPER.withIterations(200));
      f.session().initialize();
      f.run(secondLayer.observe());
      SampleSet inputs = new SampleSet(randn(25, 64 * 32), DENSE_IN);
      SampleSet targets = fpTargets(f, layer, fpWeight, inputs, DENSE_OUT);
      float[] weightBefore = f.floats(f.tf.snapshot(fpWeight));
      float[] unrelatedBefore = f.floats(f.tf.snapshot(unrelated));
      float[] secondVBefore = f.floats(f.tf.snapshot(secondLayer.v()));
      f.run(g.initialize());
      float[] vBefore = f.floats(f.tf.snapshot(g.quantizer().v()));

      new LayerTrainer(f.session(), g).train(inputs, targets, TrainingListener.SILENT);

      assertArrayEquals(weightBefore, f.floats(f.tf.snapshot(fpWeight)));
      assertArrayEquals(unrelatedBefore, f.floats(f.tf.snapshot(unrelated)));
      assertArrayEquals(secondVBefore, f.floats(f.tf.snapshot(secondLayer.v())));
      assertFalse(java.util.Arrays.equals(vBefore, f.floats(f.tf.snapshot(g.quantizer().v()))));
    }
  }

  /** Sum of squared differences between the layer outputs with two weights, over all samples. */
  private static double outputError(
      GraphFixture f,
      AdaroundLayerGraph g,
      Operand<TFloat32> output,
      SampleSet inputs,
      SampleSet targets) {
    int[] all = new int[inputs.count()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    try (TFloat32 x = inputs.batch(all);
        TFloat32 y = targets.batch(all);
        Result r = f.session().runner().feed(g.input(), x).fetch(output).run()) {
      float[] out = TensorData.floats(r.get(0));
      float[] target = TensorData.floats(y);
      double sum = 0;
      for (int i = 0; i < out.length; i++) {
        sum += Math.pow(out[i] - target[i], 2);
      }
      return sum;
    }
  }

  private static void assertOnGrid(float[] weight, float[] scale, int channels, QuantSpec spec) {
    for (int i = 0; i < weight.length; i++) {
      float s = scale[i % channels];
      int k = Math.round(weight[i] / s);
      assertEquals(k * s, weight[i], 0f, "off the grid at " + i);
      assertTrue(k >= spec.quantMin() && k <= spec.quantMax(), "outside the range at " + i);
    }
  }

  @Test
  void denseLayerAfter2000StepsIsOnTheGridAndBeatsNearestRounding() {
    try (GraphFixture f = new GraphFixture()) {
      float[] w = scaled(randn(31, 32 * 16), 0.2f);
      Operand<TFloat32> weight = f.constant(Shape.of(32, 16), w);
      LayerFunction layer = dense(f, scaled(randn(32, 16), 0.1f));
      SampleSet inputs = new SampleSet(randn(33, 512 * 32), DENSE_IN);
      SampleSet targets = fpTargets(f, layer, weight, inputs, DENSE_OUT);
      QuantSpec spec = QuantSpec.signed(4).perChannel(-1);
      AdaroundLayerGraph g =
          AdaroundLayerGraph.create(
              f.tf,
              weight,
              "dense/kernel",
              spec,
              layer,
              DENSE_IN,
              DENSE_OUT,
              AdaroundRecipe.PAPER.withIterations(2000).withReportEvery(400));
      List<LossReport> heard = new ArrayList<>();
      LayerResult result = new LayerTrainer(f.session(), g).train(inputs, targets, heard::add);

      assertOnGrid(result.hardenedWeight(), f.floats(g.quantizer().scale()), 16, spec);
      double ada = outputError(f, g, g.hardOutput(), inputs, targets);
      double nearest = outputError(f, g, g.nearestOutput(), inputs, targets);
      assertTrue(ada < nearest, "AdaRound " + ada + " vs nearest " + nearest);
      assertTrue(result.changedFromNearest() > 0);
      // 2000 steps at lr 1e-3 move V by at most 2: part of h is still soft before hardening.
      assertTrue(result.softShare() > 0 && result.softShare() < 1, "soft " + result.softShare());
      assertEquals(
          List.of(399, 799, 1199, 1599, 1999), heard.stream().map(LossReport::iteration).toList());
      assertEquals(heard, result.reports());
      assertEquals(0f, heard.get(0).regularization(), "warm start: iterations below 400");
      assertTrue(heard.get(1).regularization() > 0);
    }
  }

  @Test
  void conv2dLayerAfter2000StepsIsOnTheGridAndBeatsNearestRounding() {
    try (GraphFixture f = new GraphFixture()) {
      Shape in = Shape.of(8, 8, 8);
      Shape out = Shape.of(8, 8, 8);
      float[] w = scaled(randn(41, 3 * 3 * 8 * 8), 0.15f);
      Operand<TFloat32> weight = f.constant(Shape.of(3, 3, 8, 8), w);
      Operand<TFloat32> bias = f.constant(Shape.of(8), scaled(randn(42, 8), 0.1f));
      LayerFunction layer =
          (tf, x, k) ->
              tf.nn.relu6(tf.nn.biasAdd(tf.nn.conv2d(x, k, List.of(1L, 1L, 1L, 1L), "SAME"), bias));
      SampleSet inputs = new SampleSet(randn(43, 128 * 8 * 8 * 8), in);
      SampleSet targets = fpTargets(f, layer, weight, inputs, out);
      QuantSpec spec = QuantSpec.signed(4).perChannel(3);
      AdaroundLayerGraph g =
          AdaroundLayerGraph.create(
              f.tf,
              weight,
              "conv/kernel",
              spec,
              layer,
              in,
              out,
              AdaroundRecipe.PAPER.withIterations(2000));
      LayerResult result =
          new LayerTrainer(f.session(), g).train(inputs, targets, TrainingListener.SILENT);

      assertOnGrid(result.hardenedWeight(), f.floats(g.quantizer().scale()), 8, spec);
      double ada = outputError(f, g, g.hardOutput(), inputs, targets);
      double nearest = outputError(f, g, g.nearestOutput(), inputs, targets);
      assertTrue(ada < nearest, "AdaRound " + ada + " vs nearest " + nearest);
    }
  }

  @Test
  void samplesThatDoNotFitTheLayerAreRefused() {
    try (GraphFixture f = new GraphFixture()) {
      LayerFunction layer = dense(f, new float[16]);
      AdaroundLayerGraph g =
          AdaroundLayerGraph.create(
              f.tf,
              f.constant(Shape.of(32, 16), randn(51, 512)),
              "dense/kernel",
              QuantSpec.signed(4),
              layer,
              DENSE_IN,
              DENSE_OUT,
              AdaroundRecipe.PAPER.withIterations(5));
      LayerTrainer trainer = new LayerTrainer(f.session(), g);
      SampleSet inputs = new SampleSet(new float[4 * 32], DENSE_IN);
      assertEquals(
          "targets have sample shape [8], the layer expects [16]",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> trainer.train(inputs, new SampleSet(new float[32], Shape.of(8)), r -> {}))
              .getMessage());
      assertEquals(
          "4 input samples but 2 targets",
          assertThrows(
                  IllegalArgumentException.class,
                  () -> trainer.train(inputs, new SampleSet(new float[32], DENSE_OUT), r -> {}))
              .getMessage());
    }
  }

  @Test
  void minibatchesAreDistinctSamplesAndReproducible() {
    MinibatchSampler a = new MinibatchSampler(10, 4, new java.util.SplittableRandom(3));
    MinibatchSampler b = new MinibatchSampler(10, 4, new java.util.SplittableRandom(3));
    for (int i = 0; i < 50; i++) {
      int[] batch = a.next();
      assertArrayEquals(batch, b.next());
      assertEquals(4, java.util.Arrays.stream(batch).distinct().count());
      assertTrue(java.util.Arrays.stream(batch).allMatch(j -> j >= 0 && j < 10));
    }
    assertEquals(3, new MinibatchSampler(3, 32, new java.util.SplittableRandom(1)).next().length);
  }

  /** A per-channel Dense 32 -> 16 graph, initialised, with 128 seeded samples and FP targets. */
  private record SeededDense(AdaroundLayerGraph graph, SampleSet inputs, SampleSet targets) {
    static SeededDense initialized(GraphFixture f) {
      Operand<TFloat32> weight = f.constant(Shape.of(32, 16), scaled(randn(41, 32 * 16), 0.2f));
      LayerFunction layer = dense(f, randn(42, 16));
      SampleSet inputs = new SampleSet(inputValues(), DENSE_IN);
      AdaroundLayerGraph g =
          perChannelDense(f, weight, layer, AdaroundRecipe.PAPER.withIterations(500).withSeed(3));
      f.run(g.initialize());
      return new SeededDense(g, inputs, fpTargets(f, layer, weight, inputs, DENSE_OUT));
    }

    static float[] inputValues() {
      return randn(43, 128 * 32);
    }
  }

  /** V after {@code steps} steps from iteration 0, each on {@code stepOf(iteration)}. */
  private static float[] vAfterSteps(
      int steps, BiFunction<AdaroundLayerGraph, Integer, Op> stepOf) {
    try (GraphFixture f = new GraphFixture()) {
      SeededDense d = SeededDense.initialized(f);
      AdaroundLayerGraph g = d.graph();
      SampleSet inputs = d.inputs();
      SampleSet targets = d.targets();
      MinibatchSampler sampler = new MinibatchSampler(inputs.count(), 32, new SplittableRandom(3));
      for (int it = 0; it < steps; it++) {
        int[] batch = sampler.next();
        try (TFloat32 x = inputs.batch(batch);
            TFloat32 y = targets.batch(batch);
            TInt64 i = TInt64.scalarOf(it)) {
          f.session()
              .runner()
              .feed(g.input(), x)
              .feed(g.target(), y)
              .feed(g.iteration(), i)
              .addTarget(stepOf.apply(g, it))
              .run()
              .close();
        }
      }
      return f.floats(f.tf.snapshot(g.quantizer().v()));
    }
  }

  @Test
  void warmStartStepMovesVBitForBitAsTheFullLossAndIsUsedOnlyInTheWarmStart() {
    // 500 iterations, warm start 0.2: iterations 0..99 have no regulariser.
    float[] full = vAfterSteps(100, (g, it) -> g.adam().step());
    float[] warm = vAfterSteps(100, (g, it) -> g.adam().warmStartStep());
    assertArrayEquals(full, warm);
    assertArrayEquals(full, vAfterSteps(100, (g, it) -> g.stepAt(it)));
    // After the warm start the regulariser acts: reconstruction alone would train another V.
    float[] fullAfter = vAfterSteps(130, (g, it) -> g.adam().step());
    assertArrayEquals(fullAfter, vAfterSteps(130, (g, it) -> g.stepAt(it)));
    assertFalse(Arrays.equals(fullAfter, vAfterSteps(130, (g, it) -> g.adam().warmStartStep())));
  }

  /**
   * V after {@code steps} of {@link TrainingStep}s, storing samples up to {@code limit} bytes; with
   * {@code spillDir}, the inputs come from an activation cache that keeps half of them on disk.
   */
  private static float[] vAfterTrainingSteps(
      int steps, long limit, Path spillDir, boolean expectGathered) {
    try (GraphFixture f = new GraphFixture()) {
      SeededDense d = SeededDense.initialized(f);
      Samples inputs = d.inputs();
      ActivationCache spilled = null;
      if (spillDir != null) {
        spilled = new ActivationCache(DENSE_IN, 128, 64L * 32 * Float.BYTES, spillDir);
        spilled.append(SeededDense.inputValues(), 128);
        inputs = spilled;
      }
      try {
        TrainingStep step = new TrainingStep(f.session(), d.graph(), inputs, d.targets(), limit);
        assertEquals(expectGathered, step.gathered());
        for (int it = 0; it < steps; it++) {
          step.run(it);
        }
        return f.floats(f.tf.snapshot(d.graph().quantizer().v()));
      } finally {
        if (spilled != null) {
          spilled.close();
        }
      }
    }
  }

  @Test
  void minibatchesGatheredInTheGraphTrainVBitForBitAsFedOnes(@TempDir Path spillDir) {
    // 128 samples of 32 inputs and 16 targets: 24 576 bytes. 150 steps cross the warm start.
    float[] fed = vAfterTrainingSteps(150, 24_575, null, false);
    float[] gathered = vAfterTrainingSteps(150, 24_576, null, true);
    assertArrayEquals(fed, gathered);
    long limit = TrainingStep.GATHER_LIMIT_BYTES;
    assertArrayEquals(gathered, vAfterTrainingSteps(150, limit, null, true));
    // Samples partly on disk are fed, whatever their size: the cache's budget holds.
    assertArrayEquals(fed, vAfterTrainingSteps(150, limit, spillDir, false));
    assertFalse(
        Arrays.equals(fed, vAfterTrainingSteps(149, limit, null, true)), "V moves each step");
  }
}
