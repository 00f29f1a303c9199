package io.github.adaround.rebuild;

import static io.github.adaround.tf.GraphFixture.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.GraphFixture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** A 1x1 convolution at unit stride is a product per position, in value and in weight gradient. */
class PointwiseConvolutionTest {

  private static final long[] UNIT = {1, 1, 1, 1};
  private static final long[] NO_PADDING = {0, 0, 0, 0, 0, 0, 0, 0};
  private static final Shape SAMPLE = Shape.of(5, 7, 6);

  @Test
  void matchesConv2dAndItsWeightGradientWithSameAndValidPadding() {
    for (String padding : List.of("SAME", "VALID")) {
      try (GraphFixture f = new GraphFixture()) {
        Operand<TFloat32> x = f.constant(Shape.of(3).append(SAMPLE), randn(1, 3 * 5 * 7 * 6));
        Operand<TFloat32> w = f.constant(Shape.of(1, 1, 6, 4), randn(2, 24));
        Operand<TFloat32> conv = f.tf.nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), padding);
        Operand<TFloat32> product = PointwiseConvolution.apply(f.tf, x, w, SAMPLE);
        // A weighting of the outputs, so that the gradient in w depends on every position.
        Operand<TFloat32> weighting = f.constant(Shape.of(3, 5, 7, 4), randn(3, 3 * 5 * 7 * 4));
        float[] convGrad = gradient(f, conv, weighting, w);
        float[] productGrad = gradient(f, product, weighting, w);
        assertClose(f.floats(conv), f.floats(product), padding + " output");
        assertClose(convGrad, productGrad, padding + " weight gradient");
        assertEquals(conv.shape(), product.shape(), padding + " shape");
      }
    }
  }

  private static float[] gradient(
      GraphFixture f, Operand<TFloat32> y, Operand<TFloat32> weighting, Operand<TFloat32> w) {
    Operand<TFloat32> loss =
        f.tf.reduceSum(f.tf.math.mul(y, weighting), f.tf.constant(new int[] {0, 1, 2, 3}));
    return f.floats(f.tf.gradients(loss, List.of(w)).dy(0));
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], 1e-5 * (1 + Math.abs(expected[i])), what + " at " + i);
    }
  }

  @Test
  void appliesOnlyToAUnitWindowAtUnitStrideWithoutRealPadding() {
    assertTrue(
        PointwiseConvolution.applies(new long[] {1, 1, 6, 4}, UNIT, "SAME", new long[0], SAMPLE));
    assertTrue(
        PointwiseConvolution.applies(
            new long[] {1, 1, 6, 4}, UNIT, "EXPLICIT", NO_PADDING, SAMPLE));
    assertFalse(
        PointwiseConvolution.applies(new long[] {3, 3, 6, 4}, UNIT, "SAME", new long[0], SAMPLE));
    assertFalse(
        PointwiseConvolution.applies(new long[] {1, 3, 6, 4}, UNIT, "VALID", new long[0], SAMPLE));
    assertFalse(
        PointwiseConvolution.applies(
            new long[] {1, 1, 6, 4}, new long[] {1, 2, 2, 1}, "SAME", new long[0], SAMPLE));
    assertFalse(
        PointwiseConvolution.applies(
            new long[] {1, 1, 6, 4},
            UNIT,
            "EXPLICIT",
            new long[] {0, 0, 1, 1, 0, 0, 0, 0},
            SAMPLE));
    assertFalse(
        PointwiseConvolution.applies(
            new long[] {1, 1, 6, 4}, UNIT, "SAME", new long[0], Shape.of(-1, 7, 6)));
  }
}
