package io.github.adaround.quant;

import static io.github.adaround.tf.GraphFixture.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.GraphFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * What the reference vectors cannot show: TF layouts, any channel axis, every bit width, errors.
 */
class AdaroundFakeQuantizerTest {

  /** Quantizes {@code weight}, transposed by {@code perm}, and returns [scale, V, soft, hard]. */
  private static float[][] quantize(Shape shape, float[] w, QuantSpec spec, int[] perm) {
    try (GraphFixture f = new GraphFixture()) {
      Operand<TFloat32> weight = f.constant(shape, w);
      if (perm != null) {
        weight = f.tf.linalg.transpose(weight, f.tf.constant(perm));
      }
      AdaroundFakeQuantizer q = AdaroundFakeQuantizer.create(f.tf, weight, spec, "w");
      f.run(q.observe());
      Operand<TFloat32> back = null;
      if (perm != null) {
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
          inverse[perm[i]] = i;
        }
        var inv = f.tf.constant(inverse);
        return new float[][] {
          f.floats(q.scale()),
          f.floats(f.tf.linalg.transpose(q.v(), inv)),
          f.floats(f.tf.linalg.transpose(q.softOutput(), inv)),
          f.floats(f.tf.linalg.transpose(q.hardOutput(), inv))
        };
      }
      return new float[][] {
        f.floats(q.scale()), f.floats(q.v()), f.floats(q.softOutput()), f.floats(q.hardOutput())
      };
    }
  }

  @Test
  void denseKernelPerOutputChannelEqualsAxisZeroOfTheTransposedKernel() {
    Shape dense = Shape.of(5, 3); // [in, out]
    float[] w = randn(1, 15);
    float[][] lastAxis = quantize(dense, w, QuantSpec.signed(4).perChannel(1), null);
    float[][] negative = quantize(dense, w, QuantSpec.signed(4).perChannel(-1), null);
    float[][] transposed = quantize(dense, w, QuantSpec.signed(4).perChannel(0), new int[] {1, 0});
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(transposed[i], lastAxis[i]);
      assertArrayEquals(lastAxis[i], negative[i]);
    }
    assertEquals(3, lastAxis[0].length);
  }

  @Test
  void conv2dKernelPerOutputChannelEqualsAxisZeroOfTheTransposedKernel() {
    Shape conv = Shape.of(3, 3, 2, 4); // [h, w, in, out]
    float[] w = randn(2, 72);
    float[][] axis3 = quantize(conv, w, QuantSpec.signed(3).perChannel(3), null);
    float[][] transposed =
        quantize(conv, w, QuantSpec.signed(3).perChannel(0), new int[] {3, 0, 1, 2});
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(transposed[i], axis3[i]);
    }
    assertEquals(4, axis3[0].length);
  }

  @Test
  void depthwiseKernelHasOneChannelPerInputTimesMultiplier() {
    Shape depthwise = Shape.of(3, 3, 4, 2); // [h, w, in, multiplier]
    float[] w = randn(3, 72);
    float[][] merged = quantize(depthwise, w, QuantSpec.signed(4).perChannel(2, 3), null);
    assertEquals(8, merged[0].length);
    // Channel c = i * multiplier + m holds the 9 taps w[:, :, i, m].
    for (int c = 0; c < 8; c++) {
      float amax = 0;
      for (int tap = 0; tap < 9; tap++) {
        amax = Math.max(amax, Math.abs(w[tap * 8 + c]));
      }
      assertEquals(amax / 7.5f, merged[0][c], 1e-7f * amax);
    }
  }

  @Test
  void perChannelSoftAndHardWeightsAreTheClampedGridIndexTimesTheirOwnChannelsScale() {
    // Depthwise [h, w, in, multiplier]: channel c = i * multiplier + m, the last two axes.
    Shape depthwise = Shape.of(3, 3, 4, 2);
    float[] w = randn(4, 72);
    try (GraphFixture f = new GraphFixture()) {
      QuantSpec spec = QuantSpec.signed(3).perChannel(2, 3);
      AdaroundFakeQuantizer q =
          AdaroundFakeQuantizer.create(f.tf, f.constant(depthwise, w), spec, "w");
      f.run(q.observe());
      // V away from its initial value, so that h(V) is not the weight's own residual.
      f.run(f.tf.assign(q.v(), f.tf.math.add(q.v(), f.constant(depthwise, randn(5, 72)))));
      float[] scale = f.floats(q.scale());
      float[] floor = f.floats(q.gridFloor());
      float[] h = f.floats(q.softRoundingValue());
      float[] v = f.floats(q.v());
      float[] soft = f.floats(q.softOutput());
      float[] hard = f.floats(q.hardOutput());
      for (int i = 0; i < w.length; i++) {
        float s = scale[i % 8];
        float up = v[i] >= 0 ? 1f : 0f;
        assertEquals(clamp(floor[i] + h[i], spec) * s, soft[i], 0f, "soft weight at " + i);
        assertEquals(clamp(floor[i] + up, spec) * s, hard[i], 0f, "hard weight at " + i);
      }
    }
  }

  private static float clamp(float x, QuantSpec spec) {
    return Math.min(Math.max(x, spec.quantMin()), spec.quantMax());
  }

  @Test
  void oneDimensionalWeightPerChannelGivesEveryElementItsOwnScale() {
    float[] w = {0.5f, -2f, 0f, 3e-3f, -1e-9f, 7f};
    float[][] r = quantize(Shape.of(6), w, QuantSpec.signed(4).perChannel(0), null);
    for (int i = 0; i < w.length; i++) {
      float expected = Math.max(Math.abs(w[i]) / 7.5f, MinMaxObserver.EPS);
      assertEquals(expected, r[0][i], 0f);
      // The largest magnitude maps to +-7.5: rounded to -8 or clamped to 7 (its own channel).
      assertTrue(Math.abs(r[3][i] - w[i]) <= r[0][i] * 0.5f * (1 + 1e-6f), "element " + i);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void everyBitWidthPutsTheHardWeightOnItsGridAndStartsSoftAtTheWeight(int bits) {
    QuantSpec spec = QuantSpec.signed(bits);
    assertEquals(-(1 << (bits - 1)), spec.quantMin());
    assertEquals((1 << (bits - 1)) - 1, spec.quantMax());
    float[] w = randn(bits, 64);
    float[][] r = quantize(Shape.of(8, 8), w, spec.perChannel(1), null);
    for (int i = 0; i < w.length; i++) {
      float s = r[0][i % 8];
      int k = Math.round(r[3][i] / s);
      assertEquals(k * s, r[3][i], 0f, "hard weight off the grid at " + i);
      assertTrue(k >= spec.quantMin() && k <= spec.quantMax(), "outside the range at " + i);
      assertTrue(Math.abs(r[3][i] - w[i]) <= s + 1e-6f, "more than a step from the weight");
      if (w[i] / s <= spec.quantMax()) {
        assertEquals(w[i], r[2][i], 1e-6f * Math.abs(w[i]) + 1e-6f * s, "soft start at " + i);
      }
    }
  }

  @Test
  void invalidSpecsFailWithAClearMessage() {
    assertEquals(
        "bits must be in 2..16, got 1",
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.signed(1)).getMessage());
    assertEquals(
        "bits must be in 2..16, got 17",
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.signed(17)).getMessage());
    assertEquals(
        "quantMin (3) must be less than quantMax (3)",
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.range(3, 3)).getMessage());
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> QuantSpec.range(0, 70000))
            .getMessage()
            .contains("wider than 16 bits"));
    assertThrows(IllegalArgumentException.class, () -> QuantSpec.signed(4).perChannel());
    assertThrows(IllegalArgumentException.class, () -> QuantSpec.signed(4).perChannel(1, 1));
  }

  @ParameterizedTest
  @ValueSource(ints = {4, -5})
  void aChannelAxisOutsideTheWeightFailsAtConstructionNamingTheWeight(int axis) {
    try (GraphFixture f = new GraphFixture()) {
      Operand<TFloat32> w = f.constant(Shape.of(3, 3, 2, 4), randn(4, 72));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  AdaroundFakeQuantizer.create(
                      f.tf, w, QuantSpec.signed(4).perChannel(axis), "conv1/kernel"));
      assertEquals(
          "weight 'conv1/kernel' of shape [3, 3, 2, 4]: channel axis "
              + axis
              + " is out of bounds for a weight of rank 4",
          e.getMessage());
    }
  }

  @Test
  void axesThatNameTheSameDimensionTwiceFail() {
    try (GraphFixture f = new GraphFixture()) {
      Operand<TFloat32> w = f.constant(Shape.of(3, 4), randn(5, 12));
      assertThrows(
          IllegalArgumentException.class,
          () -> AdaroundFakeQuantizer.create(f.tf, w, QuantSpec.signed(4).perChannel(1, -1)));
    }
  }

  @Test
  void aNonFiniteWeightIsRefusedByNameAndLeavesVUntouched() {
    try (GraphFixture f = new GraphFixture()) {
      Variable<TFloat32> w = f.tf.variable(f.constant(Shape.of(2, 3), randn(6, 6)));
      AdaroundFakeQuantizer q =
          AdaroundFakeQuantizer.create(f.tf, w, QuantSpec.signed(4), "dense/kernel");
      var poison =
          f.tf.assign(
              w,
              f.constant(
                  Shape.of(2, 3), new float[] {1, Float.NaN, 0, 2, 1, Float.POSITIVE_INFINITY}));
      f.session().initialize();
      FakeQuantizerSession runner = new FakeQuantizerSession(f.session(), q);
      runner.observe();
      float[] vBefore = f.floats(q.v());
      f.run(poison);
      NonFiniteWeightException e = assertThrows(NonFiniteWeightException.class, runner::observe);
      assertEquals(
          "weight 'dense/kernel' contains NaN or Inf; quantization needs finite weights",
          e.getMessage());
      assertArrayEquals(vBefore, f.floats(q.v()));
      assertThrows(
          NonFiniteWeightException.class,
          () -> runner.forward(QuantizerSwitches.TRAINING.withFakeQuant(false)));
    }
  }

  @Test
  void switchesSelectSoftHardOrNoFakeQuantAndObservingReinitialisesV() {
    try (GraphFixture f = new GraphFixture()) {
      float[] values = randn(7, 12);
      Operand<TFloat32> w = f.constant(Shape.of(4, 3), values);
      AdaroundFakeQuantizer q =
          AdaroundFakeQuantizer.create(f.tf, w, QuantSpec.signed(4).perChannel(-1), "w");
      var zeroV = f.tf.assign(q.v(), f.tf.zeros(f.tf.constant(new int[] {4, 3}), TFloat32.class));
      FakeQuantizerSession runner = new FakeQuantizerSession(f.session(), q);

      float[] initial = runner.forward(QuantizerSwitches.INITIAL);
      assertArrayEquals(f.floats(q.softOutput()), initial);
      assertArrayEquals(values, runner.forward(QuantizerSwitches.TRAINING.withFakeQuant(false)));
      assertArrayEquals(f.floats(q.hardOutput()), runner.forward(QuantizerSwitches.HARDENED));

      f.run(zeroV);
      float[] moved = runner.forward(QuantizerSwitches.TRAINING);
      assertFalse(java.util.Arrays.equals(initial, moved), "V = 0 must change the soft output");
      assertArrayEquals(initial, runner.forward(QuantizerSwitches.INITIAL), "observing resets V");
    }
  }

  @Test
  void qparamsAreOneScaleAndZeroPointPerChannel() {
    try (GraphFixture f = new GraphFixture()) {
      float[] values = {1f, -3f, 0.5f, 0f, 0f, 0f};
      AdaroundFakeQuantizer q =
          AdaroundFakeQuantizer.create(
              f.tf, f.constant(Shape.of(2, 3), values), QuantSpec.signed(8).perChannel(0), "w");
      FakeQuantizerSession runner = new FakeQuantizerSession(f.session(), q);
      runner.observe();
      QuantParams p = runner.calculateQparams();
      assertArrayEquals(new float[] {3f / 127.5f, MinMaxObserver.EPS}, p.scale());
      assertArrayEquals(new int[] {0, 0}, p.zeroPoint());
    }
  }

  @Test
  void toStringNamesTheGridLikeTheReferenceRepr() {
    try (GraphFixture f = new GraphFixture()) {
      AdaroundFakeQuantizer q =
          AdaroundFakeQuantizer.create(
              f.tf,
              f.constant(Shape.of(3, 3, 4, 2), randn(8, 72)),
              QuantSpec.signed(4).perChannel(2, 3),
              "dw/depthwise_kernel");
      assertEquals(
          "AdaroundFakeQuantizer(weight=dw/depthwise_kernel, shape=[3, 3, 4, 2], quant_min=-8,"
              + " quant_max=7, qscheme=per_channel_symmetric, ch_axis=[2, 3], channels=8,"
              + " zeta=1.1, gamma=-0.1)",
          q.toString());
    }
  }
}
