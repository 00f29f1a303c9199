package io.github.adaround.graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Frozen graphs, built with TF-Java ops, whose layers read their weights as published models do:
 * through shape ops (Keras' Conv1D and Tensordot Dense, a flat constant reshaped into a kernel), a
 * Conv2DTranspose, a Conv3D, and a layer inside a TF1 while loop. Each has input {@code x} and
 * output {@code y}.
 */
public final class ShapeOpModels {
  public static final String INPUT = "x";
  public static final String OUTPUT = "y";

  private ShapeOpModels() {}

  /**
   * Input {@code [-1, 8, 3]}: a Keras Conv1D ({@code ExpandDims} of input and kernel {@code
   * conv1d/kernel [3, 3, 4]}, {@code Conv2D}, {@code Squeeze}, bias, ReLU), a Tensordot Dense
   * ({@code Reshape} of the input to {@code [-1, 4]}, {@code MatMul} by {@code dense/kernel [4, 5]}
   * read through a {@code Reshape}, {@code Reshape} back, bias), and a {@code MatMul} by the flat
   * constant {@code flat/weights [120]} reshaped to {@code [40, 3]}.
   */
  public static Path conv1dAndTensordot(Path file) throws IOException {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Random random = new Random(3);
      Operand<TFloat32> x =
          tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 3)));
      Operand<TFloat32> xe = tf.withName("conv1d_ExpandDims").expandDims(x, tf.constant(1));
      Operand<TFloat32> kernel =
          tf.withName("conv1d_ExpandDims_1")
              .expandDims(constant(tf, "conv1d_kernel", random, 3, 3, 4), tf.constant(0));
      Operand<TFloat32> conv =
          tf.withName("conv1d_Conv2D").nn.conv2d(xe, kernel, List.of(1L, 1L, 1L, 1L), "SAME");
      Operand<TFloat32> squeezed =
          tf.withName("conv1d_Squeeze").squeeze(conv, Squeeze.axis(List.of(-3L)));
      Operand<TFloat32> h =
          tf.withName("conv1d_Relu")
              .nn
              .relu(tf.nn.biasAdd(squeezed, constant(tf, "conv1d_bias", random, 4)));
      Operand<TFloat32> flat = tf.reshape(h, tf.constant(new int[] {-1, 4}));
      Operand<TFloat32> w =
          tf.withName("dense_Tensordot_Reshape_1")
              .reshape(constant(tf, "dense_kernel", random, 4, 5), tf.constant(new int[] {4, 5}));
      Operand<TFloat32> dense = tf.withName("dense_Tensordot_MatMul").linalg.matMul(flat, w);
      Operand<TFloat32> back = tf.reshape(dense, tf.constant(new int[] {-1, 8, 5}));
      Operand<TFloat32> d = tf.nn.biasAdd(back, constant(tf, "dense_bias", random, 5));
      Operand<TFloat32> rows = tf.reshape(d, tf.constant(new int[] {-1, 40}));
      Operand<TFloat32> w3 =
          tf.withName("flat_Reshape")
              .reshape(constant(tf, "flat_weights", random, 120), tf.constant(new int[] {40, 3}));
      tf.withName(OUTPUT).identity(tf.withName("flat_MatMul").linalg.matMul(rows, w3));
      return write(graph, file);
    }
  }

  /**
   * Input {@code [-1, 4, 4, 2]}: a Conv2DTranspose as Keras writes it ({@code Conv2DBackpropInput}
   * of the filter {@code deconv/kernel [3, 3, 3, 2]}, stride 2, its output size computed from the
   * input's shape; bias, ReLU), then a {@code Conv3D} (not quantized) and a {@code MatMul} by
   * {@code head/kernel [128, 4]}.
   */
  public static Path transposeAndConv3d(Path file) throws IOException {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Random random = new Random(4);
      Operand<TFloat32> x =
          tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4, 4, 2)));
      Operand<TInt32> batch =
          tf.stridedSlice(
              tf.shape(x),
              tf.constant(new int[] {0}),
              tf.constant(new int[] {1}),
              tf.constant(new int[] {1}));
      Operand<TInt32> sizes =
          tf.concat(List.of(batch, tf.constant(new int[] {8, 8, 3})), tf.constant(0));
      Operand<TFloat32> deconv =
          tf.withName("deconv_conv2d_transpose")
              .nn
              .conv2dBackpropInput(
                  sizes,
                  constant(tf, "deconv_kernel", random, 3, 3, 3, 2),
                  x,
                  List.of(1L, 2L, 2L, 1L),
                  "SAME");
      Operand<TFloat32> h =
          tf.nn.relu(tf.nn.biasAdd(deconv, constant(tf, "deconv_bias", random, 3)));
      Operand<TFloat32> v = tf.expandDims(h, tf.constant(1));
      Operand<TFloat32> c3 =
          tf.withName("conv3d_Conv3D")
              .nn
              .conv3d(
                  v,
                  constant(tf, "conv3d_kernel", random, 1, 1, 1, 3, 2),
                  List.of(1L, 1L, 1L, 1L, 1L),
                  "SAME");
      Operand<TFloat32> rows = tf.reshape(c3, tf.constant(new int[] {-1, 128}));
      tf.withName(OUTPUT)
          .identity(
              tf.withName("head_MatMul")
                  .linalg
                  .matMul(rows, constant(tf, "head_kernel", random, 128, 4)));
      return write(graph, file);
    }
  }

  /**
   * Input {@code [-1, 4]}: {@code pre/MatMul} by {@code pre/kernel [4, 4]}, a TF1 while loop whose
   * body multiplies by a constant {@code [4, 4]} three times, and {@code post/MatMul} by {@code
   * post/kernel [4, 2]} on the loop's result.
   */
  public static Path whileLoop(Path file) throws IOException {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Random random = new Random(5);
      Operand<TFloat32> x =
          tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<TFloat32> pre =
          tf.withName("pre_MatMul").linalg.matMul(x, constant(tf, "pre_kernel", random, 4, 4));
      float[] inner = values(random, 16);
      Output<?>[] done =
          graph.whileLoop(
              new Output<?>[] {tf.constant(0).asOutput(), pre.asOutput()},
              (g, inputs, outputs) -> {
                Ops b = Ops.create(g);
                @SuppressWarnings("unchecked")
                Operand<TInt32> i = (Output<TInt32>) inputs[0];
                outputs[0] = b.math.less(i, b.constant(3)).asOutput();
              },
              (g, inputs, outputs) -> {
                Ops b = Ops.create(g);
                @SuppressWarnings("unchecked")
                Operand<TInt32> i = (Output<TInt32>) inputs[0];
                @SuppressWarnings("unchecked")
                Operand<TFloat32> v = (Output<TFloat32>) inputs[1];
                Operand<TFloat32> w =
                    b.withName("kernel")
                        .constant(Shape.of(4, 4), DataBuffers.of(inner, true, false));
                outputs[0] = b.math.add(i, b.constant(1)).asOutput();
                outputs[1] = b.math.tanh(b.withName("MatMul").linalg.matMul(v, w)).asOutput();
              },
              "loop");
      @SuppressWarnings("unchecked")
      Operand<TFloat32> looped = (Output<TFloat32>) done[1];
      tf.withName(OUTPUT)
          .identity(
              tf.withName("post_MatMul")
                  .linalg
                  .matMul(looped, constant(tf, "post_kernel", random, 4, 2)));
      return write(graph, file);
    }
  }

  private static Operand<TFloat32> constant(Ops tf, String name, Random random, long... shape) {
    int n = Math.toIntExact(Shape.of(shape).size());
    return tf.withName(name)
        .constant(Shape.of(shape), DataBuffers.of(values(random, n), true, false));
  }

  private static float[] values(Random random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextGaussian() * 0.5);
    }
    return values;
  }

  private static Path write(Graph graph, Path file) throws IOException {
    Files.write(file, graph.toGraphDef().toByteArray());
    return file;
  }
}
