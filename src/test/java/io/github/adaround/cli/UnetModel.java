package io.github.adaround.cli;

import static io.github.adaround.cli.InputsModels.conv;
import static io.github.adaround.cli.InputsModels.variable;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.tensorflow.Operand;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A segmentation U-Net as Keras lays it out, exported as a SavedModel: input {@code x} {@code [-1,
 * size, size, 3]}, an encoder (Conv2D 3x3 3->8 + ReLU, Conv2D 3x3 stride 2 8->16 + ReLU, Conv2D 3x3
 * 16->16 + ReLU), a decoder (Conv2DTranspose 3x3 stride 2 16->8, its output size computed from the
 * input's shape, + bias + ReLU; concatenated with the first layer's output; Conv2D 3x3 16->8 +
 * ReLU) and a 1x1 Conv2D to {@code classes} logits per pixel, output {@code y}. Its last layer's
 * output, {@code size * size * classes} floats per sample, is the big activation.
 *
 * <p>{@code main(folder, size, classes)} writes one, for runs by hand.
 */
public final class UnetModel {

  private UnetModel() {}

  public static Path write(Path folder, int size, int classes) {
    return InputsModels.export(
        folder,
        (tf, random) -> {
          Placeholder<TFloat32> x =
              tf.withName("x")
                  .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, size, size, 3)));
          Operand<TFloat32> e1 = convRelu(tf, random, "enc1", x, 3, 8, 1);
          Operand<TFloat32> e2 = convRelu(tf, random, "enc2", e1, 8, 16, 2);
          Operand<TFloat32> e3 = convRelu(tf, random, "enc3", e2, 16, 16, 1);
          Operand<TInt32> batch =
              tf.stridedSlice(
                  tf.shape(x),
                  tf.constant(new int[] {0}),
                  tf.constant(new int[] {1}),
                  tf.constant(new int[] {1}));
          Operand<TInt32> upSize =
              tf.concat(List.of(batch, tf.constant(new int[] {size, size, 8})), tf.constant(0));
          Operand<TFloat32> up =
              tf.nn.relu(
                  tf.nn.biasAdd(
                      tf.withName("up_conv2d_transpose")
                          .nn
                          .conv2dBackpropInput(
                              upSize,
                              variable(tf, "up/kernel", random, 3, 3, 8, 16),
                              e3,
                              List.of(1L, 2L, 2L, 1L),
                              "SAME"),
                      variable(tf, "up/bias", random, 8)));
          Operand<TFloat32> joined = tf.concat(List.of(up, e1), tf.constant(3));
          Operand<TFloat32> d1 = convRelu(tf, random, "dec1", joined, 16, 8, 1);
          Operand<TFloat32> y =
              tf.withName("y")
                  .nn
                  .biasAdd(
                      conv(tf, d1, variable(tf, "head/kernel", random, 1, 1, 8, classes), "SAME"),
                      variable(tf, "head/bias", random, classes));
          return Signature.builder("serving_default").input("x", x).output("y", y).build();
        });
  }

  private static Operand<TFloat32> convRelu(
      Ops tf,
      SplittableRandom random,
      String name,
      Operand<TFloat32> x,
      int in,
      int out,
      long stride) {
    Operand<TFloat32> kernel = variable(tf, name + "/kernel", random, 3, 3, in, out);
    Operand<TFloat32> conv =
        stride == 1
            ? conv(tf, x, kernel, "SAME")
            : tf.nn.conv2d(x, kernel, List.of(1L, stride, stride, 1L), "SAME");
    return tf.nn.relu(tf.nn.biasAdd(conv, variable(tf, name + "/bias", random, out)));
  }

  public static void main(String[] args) {
    write(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
  }
}
