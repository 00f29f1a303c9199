package io.github.adaround.bench;

import io.github.adaround.tf.SessionThreads;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The machine's practical float32 peak as TF reaches it: one {@code n x n x n} MatMul of constants,
 * {@code 2 n^3} operations, timed after a warm-up; the median of the repeats.
 */
final class MatMulPeak {

  private MatMulPeak() {}

  /** GFLOP/s of one large MatMul in TF, in a session made by {@code sessions}. */
  public static double gflopsPerSecond(SessionThreads threads, int n, int repeats) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> a = BenchOperands.uniform(tf, Shape.of(n, n), 1);
      Operand<TFloat32> b = BenchOperands.uniform(tf, Shape.of(n, n), 2);
      var product = tf.linalg.matMul(a, b);
      try (Session session = threads.open(graph)) {
        double ms =
            Timing.medianMillisPerUnit(
                units -> {
                  for (int i = 0; i < units; i++) {
                    session.runner().addTarget(product).run().close();
                  }
                },
                1,
                1,
                repeats);
        return 2.0 * n * n * n / ms / 1e6;
      }
    }
  }
}
