package io.github.adaround.activation;

import static io.github.adaround.tf.GraphFixture.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.GraphFixture;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.LayerFunction;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** QDrop's input: each element quantized on its grid with probability p, seeded. */
class QDropInputTest {

  private static final int N = 20_000;
  private static final ActivationEncoding GRID = ActivationEncoding.of(-1.5f, 2.5f, 4);
  private static final LayerFunction IDENTITY = (tf, x, w) -> x;

  /**
   * Two runs of the layer's output on the same input, and the same with every element quantized.
   */
  private static float[][] outputs(float probability, long seed, float[] x) {
    try (GraphFixture f = new GraphFixture()) {
      QDropInput layer = new QDropInput(IDENTITY, GRID, probability, seed);
      Operand<TFloat32> y =
          layer.apply(f.tf, f.constant(Shape.of(N), x), f.constant(Shape.scalar(), new float[1]));
      float[] first = f.floats(y);
      float[] second = f.floats(y);
      try (TFloat32 one = TFloat32.scalarOf(1f);
          Result r = f.session().runner().feed(layer.probability(), one).fetch(y).run()) {
        return new float[][] {first, second, TensorData.floats(r.get(0))};
      }
    }
  }

  private static int quantizedCount(float[] x, float[] y) {
    int n = 0;
    for (int i = 0; i < x.length; i++) {
      if (y[i] != x[i]) {
        assertEquals(GRID.quantize(x[i]), y[i], 0f);
        n++;
      }
    }
    return n;
  }

  @Test
  void probabilityIsTheShareOfElementsQuantizedAndOneQuantizesAll() {
    float[] x = randn(7, N);
    float[] all = new float[N];
    for (int i = 0; i < N; i++) {
      all[i] = GRID.quantize(x[i]);
    }
    int off = quantizedCount(x, all);
    assertTrue(off > N * 0.99, "nearly every random value is off the grid");
    for (float p : new float[] {0f, 0.25f, 0.5f, 1f}) {
      float[][] y = outputs(p, 3, x);
      double share = quantizedCount(x, y[0]) / (double) off;
      assertEquals(p, share, 0.02, "p = " + p);
      assertArrayEquals(all, y[2], 0f, "fed 1, every element is quantized");
    }
  }

  @Test
  void eachRunDrawsAFreshMaskAndTheSeedFixesTheSequence() {
    float[] x = randn(8, N);
    float[][] a = outputs(0.5f, 11, x);
    float[][] b = outputs(0.5f, 11, x);
    float[][] c = outputs(0.5f, 12, x);
    assertFalse(Arrays.equals(a[0], a[1]));
    assertArrayEquals(a[0], b[0], 0f);
    assertArrayEquals(a[1], b[1], 0f);
    assertNotEquals(Arrays.hashCode(a[0]), Arrays.hashCode(c[0]));
  }

  @Test
  void refusesAProbabilityOutside0To1() {
    assertThrows(IllegalArgumentException.class, () -> new QDropInput(IDENTITY, GRID, 1.5f, 0));
    assertThrows(IllegalArgumentException.class, () -> new QDropInput(IDENTITY, GRID, -0.1f, 0));
  }
}
