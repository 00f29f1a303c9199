package io.github.adaround.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.GraphFixture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** h(V) of eq. 23 and its gradient, far inside and far outside exp's float32 range. */
class RectifiedSigmoidTest {

  private static final float[] V = {-1e30f, -200f, -90f, -50f, 0f, 50f, 90f, 200f, 1e30f};

  @Test
  void saturatesToExactlyZeroAndOneWithFiniteGradientsWhereExpOverflows() {
    try (GraphFixture f = new GraphFixture()) {
      Operand<TFloat32> v = f.constant(Shape.of(V.length), V);
      Operand<TFloat32> h = RectifiedSigmoid.soft(f.tf, v);
      Operand<TFloat32> loss = f.tf.reduceSum(h, f.tf.constant(0));
      float[] gradient = f.floats(f.tf.gradients(loss, List.of(v)).dy(0));
      assertArrayEquals(new float[] {0, 0, 0, 0, 0.5f, 1, 1, 1, 1}, f.floats(h));
      for (int i = 0; i < V.length; i++) {
        assertTrue(Float.isFinite(gradient[i]), "gradient at V = " + V[i] + ": " + gradient[i]);
      }
      // sigmoid'(0) * (zeta - gamma) = 0.25 * 1.2; saturated weights get none.
      assertEquals(0.3f, gradient[4], 1e-7f);
      assertEquals(0f, gradient[0]);
      assertEquals(0f, gradient[8]);
    }
  }

  @Test
  void theSoftRoundingOfTheInverseIsTheResidual() {
    float[] residual = {0f, 0.1f, 0.25f, 0.5f, 0.75f, 0.999f};
    try (GraphFixture f = new GraphFixture()) {
      Operand<TFloat32> r = f.constant(Shape.of(residual.length), residual);
      float[] back = f.floats(RectifiedSigmoid.soft(f.tf, RectifiedSigmoid.inverse(f.tf, r)));
      for (int i = 0; i < residual.length; i++) {
        assertEquals(residual[i], back[i], 1e-6f, "residual " + residual[i]);
      }
      assertEquals(0f, back[0], "a weight on the grid stays on it");
    }
  }
}
