package io.github.adaround.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * SavedModels of the inputs people have: two inputs (an image branch and a feature vector), an
 * image of any height and width, and a sequence of any length.
 */
final class InputsModels {

  private InputsModels() {}

  /**
   * Signature inputs {@code image} {@code [-1, 8, 8, 1]} (Conv2D 3x3x1x4 + bias + ReLU, mean over
   * the image) and {@code features} {@code [-1, 7]} (Dense 7x5 + ReLU), concatenated, then Dense
   * 9x3 to {@code y}.
   */
  static Path twoInputs(Path folder) {
    return export(
        folder,
        (tf, random) -> {
          Placeholder<TFloat32> image =
              tf.withName("image")
                  .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 8, 8, 1)));
          Placeholder<TFloat32> features =
              tf.withName("features")
                  .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 7)));
          Operand<TFloat32> conv =
              tf.nn.relu(
                  tf.nn.biasAdd(
                      conv(tf, image, variable(tf, "img/kernel", random, 3, 3, 1, 4), "SAME"),
                      variable(tf, "img/bias", random, 4)));
          Operand<TFloat32> pooled = tf.math.mean(conv, tf.constant(new int[] {1, 2}));
          Operand<TFloat32> dense =
              tf.nn.relu(tf.linalg.matMul(features, variable(tf, "feat/kernel", random, 7, 5)));
          Operand<TFloat32> joined = tf.concat(java.util.List.of(pooled, dense), tf.constant(1));
          Operand<TFloat32> y =
              tf.withName("y").linalg.matMul(joined, variable(tf, "head/kernel", random, 9, 3));
          return Signature.builder("serving_default")
              .input("image", image)
              .input("features", features)
              .output("y", y)
              .build();
        });
  }

  /**
   * All-conv net on images {@code [-1, -1, -1, 3]}: Conv2D 3x3x3x4 + bias + ReLU, Conv2D 3x3x4x2.
   */
  static Path anySizeImages(Path folder) {
    return export(
        folder,
        (tf, random) -> {
          Placeholder<TFloat32> x =
              tf.withName("x")
                  .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, -1, 3)));
          Operand<TFloat32> h =
              tf.nn.relu(
                  tf.nn.biasAdd(
                      conv(tf, x, variable(tf, "c1/kernel", random, 3, 3, 3, 4), "SAME"),
                      variable(tf, "c1/bias", random, 4)));
          Operand<TFloat32> y =
              tf.withName("y")
                  .nn
                  .conv2d(h, variable(tf, "c2/kernel", random, 3, 3, 4, 2), ones(), "SAME");
          return Signature.builder("serving_default").input("x", x).output("y", y).build();
        });
  }

  /**
   * Sequences {@code [-1, -1, 8]} through a Conv1D as Keras lays it (ExpandDims, Conv2D 1x3x8x4
   * VALID, Squeeze) + ReLU, then a Dense over the last axis on the first step.
   */
  static Path anyLengthSequences(Path folder) {
    return export(
        folder,
        (tf, random) -> {
          Placeholder<TFloat32> x =
              tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 8)));
          Operand<TFloat32> expanded = tf.expandDims(x, tf.constant(1));
          Operand<TFloat32> conv =
              conv(tf, expanded, variable(tf, "conv1d/kernel", random, 1, 3, 8, 4), "VALID");
          Operand<TFloat32> h =
              tf.nn.relu(tf.squeeze(conv, org.tensorflow.op.core.Squeeze.axis(new Long[] {1L})));
          Operand<TFloat32> first =
              tf.reshape(
                  tf.slice(h, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, 1, -1})),
                  tf.constant(new int[] {-1, 4}));
          Operand<TFloat32> y =
              tf.withName("y").linalg.matMul(first, variable(tf, "dense/kernel", random, 4, 3));
          return Signature.builder("serving_default").input("x", x).output("y", y).build();
        });
  }

  /**
   * A frozen GraphDef {@code y = a Wa + b Wb} with placeholders {@code a} {@code [-1, 4]} and
   * {@code b} {@code [-1, 3]}, the weights {@code wa} and {@code wb} constants; written to {@code
   * file}.
   */
  static Path frozenTwoInputs(Path file) throws IOException {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      SplittableRandom random = new SplittableRandom(3);
      Placeholder<TFloat32> a =
          tf.withName("a").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Placeholder<TFloat32> b =
          tf.withName("b").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      Operand<TFloat32> y =
          tf.withName("y")
              .math
              .add(
                  tf.linalg.matMul(a, constant(tf, "wa", random, 4, 2)),
                  tf.linalg.matMul(b, constant(tf, "wb", random, 3, 2)));
      java.nio.file.Files.write(file, graph.toGraphDef().toByteArray());
    }
    return file;
  }

  private static Operand<TFloat32> constant(
      Ops tf, String name, SplittableRandom random, long... shape) {
    float[] values = new float[Math.toIntExact(Shape.of(shape).size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextDouble() - 0.5);
    }
    return tf.withName(name).constant(Shape.of(shape), DataBuffers.of(values, true, false));
  }

  interface Body {
    Signature build(Ops tf, SplittableRandom random);
  }

  static Path export(Path folder, Body body) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Signature signature = body.build(tf, new SplittableRandom(7));
      session.initialize();
      SavedModelBundle.exporter(folder.toString())
          .withSession(session)
          .withSignature(signature)
          .export();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return folder;
  }

  static Operand<TFloat32> conv(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> kernel, String padding) {
    return tf.nn.conv2d(x, kernel, ones(), padding, Conv2d.dataFormat("NHWC"));
  }

  static java.util.List<Long> ones() {
    return java.util.List.of(1L, 1L, 1L, 1L);
  }

  static Operand<TFloat32> variable(Ops tf, String name, SplittableRandom random, long... shape) {
    int size = Math.toIntExact(Shape.of(shape).size());
    float[] values = new float[size];
    for (int i = 0; i < size; i++) {
      values[i] = (float) (random.nextDouble() - 0.5);
    }
    int slash = name.indexOf('/');
    return tf.withSubScope(name.substring(0, slash))
        .withName(name.substring(slash + 1))
        .variable(tf.constant(Shape.of(shape), DataBuffers.of(values, true, false)));
  }
}
