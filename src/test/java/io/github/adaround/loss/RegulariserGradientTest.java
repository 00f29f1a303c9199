package io.github.adaround.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.quant.RectifiedSigmoid;
import io.github.adaround.tf.GraphFixture;
import io.github.adaround.tf.TensorData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The regulariser {@code R = lambda * sum(1 - |2 h(V) - 1|^beta)} and its gradients in V and in h
 * from TF's autodiff, against a float64 evaluation of the same formula at V far out on both sides
 * ({@code h} clamped to 0 or 1), near the clamp's bounds and near {@code h = 0.5}, where {@code
 * d^(beta - 1)} is tiny: every gradient that is a normal float in float64 comes out non-zero and
 * within {@code 1e-5} of it, relatively; one that is exactly 0 comes out 0.
 *
 * <pre>
 *   dR/dh = -lambda * beta * d^(beta - 1) * 2 * sign(2h - 1),   d = |2h - 1|
 *   dR/dV = dR/dh * (zeta - gamma) * s * (1 - s) * 1[0 <= pre <= 1],   s = sigmoid(V)
 * </pre>
 */
class RegulariserGradientTest {

  private static final int MAX_ITER = 100;
  private static final double RELATIVE = 1e-5;
  private static final double STRETCH = RectifiedSigmoid.ZETA - RectifiedSigmoid.GAMMA;

  /** V at +-10^(k/8) for k in -48..8, 0, and far out on both sides. */
  private static float[] vs() {
    List<Float> v = new ArrayList<>(List.of(0f, -1e4f, -50f, -17f, 17f, 50f, 1e4f));
    for (int k = -48; k <= 8; k++) {
      float x = (float) Math.pow(10, k / 8.0);
      v.add(x);
      v.add(-x);
    }
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i);
    }
    return out;
  }

  @ParameterizedTest(name = "beta {0} -> {1}, lambda {2}, iteration {3}")
  @CsvSource({"20, 2, 0.001, 0", "20, 2, 0.001, 50", "20, 2, 0.01, 99", "40, 8, 0.001, 90"})
  void gradientsKeepEveryNormalFloatOfTheFloat64Formula(
      double betaStart, double betaEnd, double lambda, long iteration) {
    LossConfig config =
        LossConfig.REFERENCE.withWarmStart(0).withBeta(betaStart, betaEnd).withLambda(lambda);
    float[] v = vs();
    try (GraphFixture f = new GraphFixture()) {
      Placeholder<TFloat32> vIn = f.tf.placeholder(TFloat32.class);
      Placeholder<TInt64> it = f.tf.placeholder(TInt64.class);
      Operand<TFloat32> h = RectifiedSigmoid.soft(f.tf, vIn);
      Operand<TFloat32> zero = f.constant(Shape.of(1, 1), new float[] {0});
      AdaroundLoss loss = AdaroundLoss.create(f.tf, config, MAX_ITER, zero, zero, h, it);
      Output<?>[] grads =
          f.graph.addGradients(
              loss.regularization().asOutput(), new Output<?>[] {vIn.asOutput(), h.asOutput()});
      float[] hs;
      float[] gradV;
      float[] gradH;
      double beta;
      float reg;
      try (TFloat32 vT = TensorData.floats(Shape.of(v.length), v);
          TInt64 itT = TInt64.scalarOf(iteration);
          Result r =
              f.session()
                  .runner()
                  .feed(vIn, vT)
                  .feed(it, itT)
                  .fetch(h)
                  .fetch(grads[0])
                  .fetch(grads[1])
                  .fetch(loss.beta())
                  .fetch(loss.regularization())
                  .run()) {
        hs = TensorData.floats(r.get(0));
        gradV = TensorData.floats(r.get(1));
        gradH = TensorData.floats(r.get(2));
        beta = TensorData.scalar(r.get(3));
        reg = TensorData.scalar(r.get(4));
      }

      double lam = (float) lambda;
      double sum = 0;
      int tinyNormals = 0;
      for (int i = 0; i < v.length; i++) {
        double d = Math.abs(2.0 * hs[i] - 1);
        sum += 1 - Math.pow(d, beta);
        double dh =
            d == 0 ? 0 : -lam * beta * Math.pow(d, beta - 1) * 2 * Math.signum(2.0 * hs[i] - 1);
        double s = 1 / (1 + Math.exp(-(double) v[i]));
        double pre = s * STRETCH + RectifiedSigmoid.GAMMA;
        double dv = pre >= 0 && pre <= 1 ? dh * STRETCH * s * (1 - s) : 0;
        String at = "V = " + v[i] + ", h = " + hs[i];
        check("dR/dh at " + at, dh, gradH[i]);
        check("dR/dV at " + at, dv, gradV[i]);
        if (Math.abs(dv) >= Float.MIN_NORMAL && Math.abs(dv) < 1e-30) {
          tinyNormals++;
        }
      }
      assertEquals(lam * sum, reg, 2e-6 * lam * sum, "regularization");
      if (beta > 10) {
        assertTrue(tinyNormals > 0, "the cases reach gradients between FLT_MIN and 1e-30");
      }
    }
  }

  private static void check(String what, double expected, float actual) {
    if (expected == 0) {
      assertTrue(actual == 0f, what + ": expected 0, got " + actual);
    } else if (Math.abs(expected) >= Float.MIN_NORMAL) {
      assertTrue(actual != 0f, what + ": " + expected + " came out as 0");
      assertEquals(expected, actual, RELATIVE * Math.abs(expected), what);
    } else {
      assertTrue(
          actual == 0f || Math.abs(actual - expected) <= RELATIVE * Math.abs(expected),
          what + ": subnormal " + expected + " came out as " + actual);
    }
  }
}
