package io.github.adaround.block;

import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Models built with TF-Java ops in a graph and a session, their weights {@code VariableV2}s: a
 * plain chain, a residual net and a MobileNetV2-style inverted residual. Each has input {@code
 * x:0}, images {@code [-1, 8, 8, 3]}, and output {@code y:0}.
 */
final class BlockModels {

  /** A model's graph and the session holding its initialised variables. */
  record Model(Graph graph, Session session) implements AutoCloseable {
    static final String INPUT = "x:0";
    static final String OUTPUT = "y:0";

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }

  private interface Body {
    Operand<TFloat32> build(Ops tf, Operand<TFloat32> x, SplittableRandom random);
  }

  private BlockModels() {}

  /** {@code c1} conv 3x3 3->4 + bias + ReLU, {@code c2} conv 3x3 4->4 + ReLU, dense 256->5. */
  static Model chain() {
    return build(
        (tf, x, random) -> {
          Operand<TFloat32> h = tf.nn.relu(conv(tf, random, "c1", x, 3, 3, 4, true));
          Operand<TFloat32> g = tf.nn.relu(conv(tf, random, "c2", h, 3, 4, 4, false));
          return dense(tf, random, "dense", g, 256, 5);
        });
  }

  /**
   * {@code stem} conv 3x3 3->4 + bias, then a residual block ({@code res_a} conv 3x3 + bias + ReLU,
   * {@code res_b} conv 3x3 + bias, added to the stem's output), ReLU, dense 256->5.
   */
  static Model residual() {
    return build(
        (tf, x, random) -> {
          Operand<TFloat32> h = conv(tf, random, "stem", x, 3, 3, 4, true);
          Operand<TFloat32> a = tf.nn.relu(conv(tf, random, "res_a", h, 3, 4, 4, true));
          Operand<TFloat32> b = conv(tf, random, "res_b", a, 3, 4, 4, true);
          Operand<TFloat32> sum = tf.nn.relu(tf.math.add(b, h));
          return dense(tf, random, "dense", sum, 256, 5);
        });
  }

  /**
   * {@code stem} conv 3x3 3->4 + bias + ReLU6, then an inverted residual ({@code expand} 1x1 4->12
   * + bias + ReLU6, {@code dw} depthwise 3x3 + bias + ReLU6, {@code project} 1x1 12->4 + bias,
   * added to the stem's output), mean over the image, dense 4->5.
   */
  static Model invertedResidual() {
    return build(
        (tf, x, random) -> {
          Operand<TFloat32> h = tf.nn.relu6(conv(tf, random, "stem", x, 3, 3, 4, true));
          Operand<TFloat32> e = tf.nn.relu6(conv(tf, random, "expand", h, 1, 4, 12, true));
          Operand<TFloat32> d =
              tf.nn.relu6(
                  tf.nn.biasAdd(
                      tf.withSubScope("dw")
                          .nn
                          .depthwiseConv2dNative(
                              e,
                              variable(tf, "dw", "depthwise_kernel", random, 3, 3, 12, 1),
                              List.of(1L, 1L, 1L, 1L),
                              "SAME"),
                      variable(tf, "dw", "bias", random, 12)));
          Operand<TFloat32> p = conv(tf, random, "project", d, 1, 12, 4, true);
          Operand<TFloat32> sum = tf.math.add(p, h);
          Operand<TFloat32> pooled = tf.math.mean(sum, tf.constant(new int[] {1, 2}));
          return dense(tf, random, "dense", pooled, 4, 5);
        });
  }

  private static Model build(Body body) {
    Graph graph = new Graph();
    Ops tf = Ops.create(graph);
    Operand<TFloat32> x =
        tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 3)));
    tf.withName("y").identity(body.build(tf, x, new SplittableRandom(11)));
    Session session = new Session(graph);
    session.initialize();
    return new Model(graph, session);
  }

  private static Operand<TFloat32> conv(
      Ops tf,
      SplittableRandom random,
      String name,
      Operand<TFloat32> x,
      int size,
      int in,
      int out,
      boolean bias) {
    Operand<TFloat32> conv =
        tf.withSubScope(name)
            .nn
            .conv2d(
                x,
                variable(tf, name, "kernel", random, size, size, in, out),
                List.of(1L, 1L, 1L, 1L),
                "SAME");
    return bias ? tf.nn.biasAdd(conv, variable(tf, name, "bias", random, out)) : conv;
  }

  private static Operand<TFloat32> dense(
      Ops tf, SplittableRandom random, String name, Operand<TFloat32> x, int in, int out) {
    Operand<TFloat32> rows = tf.reshape(x, tf.constant(new int[] {-1, in}));
    return tf.nn.biasAdd(
        tf.withSubScope(name).linalg.matMul(rows, variable(tf, name, "kernel", random, in, out)),
        variable(tf, name, "bias", random, out));
  }

  private static Operand<TFloat32> variable(
      Ops tf, String scope, String name, SplittableRandom random, long... shape) {
    float[] values = new float[Math.toIntExact(Shape.of(shape).size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextDouble() - 0.5);
    }
    return tf.withSubScope(scope)
        .withName(name)
        .variable(tf.constant(Shape.of(shape), DataBuffers.of(values, true, false)));
  }
}
