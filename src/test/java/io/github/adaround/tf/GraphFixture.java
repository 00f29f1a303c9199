package io.github.adaround.tf;

import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** A graph, its session and a few one-line fetches, for tests. */
public final class GraphFixture implements AutoCloseable {

  public final Graph graph = new Graph();
  public final Ops tf = Ops.create(graph);
  private Session session;

  /** The session, created on first use (after the graph is built). */
  public Session session() {
    if (session == null) {
      session = new Session(graph);
    }
    return session;
  }

  public void run(Op op) {
    session().run(op);
  }

  public float[] floats(Operand<TFloat32> operand) {
    try (Result r = session().runner().fetch(operand).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  public Operand<TFloat32> constant(Shape shape, float[] values) {
    try (TFloat32 t = TensorData.floats(shape, values)) {
      return tf.constantOf(t);
    }
  }

  /** Seeded standard-normal values. */
  public static float[] randn(long seed, int n) {
    Random random = new Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.nextGaussian();
    }
    return out;
  }

  @Override
  public void close() {
    if (session != null) {
      session.close();
    }
    graph.close();
  }
}
