package io.github.adaround.bench;

import io.github.adaround.train.LayerFunction;
import java.util.List;
import org.tensorflow.ndarray.Shape;

/**
 * One layer whose AdaRound step is timed: a Dense layer ({@code [batch, in] x [in, out]}) or a 3x3
 * Conv2D with SAME padding on NHWC inputs ({@code [batch, size, size, in]}, kernel {@code [3, 3,
 * in, out]}), each followed by ReLU and no bias. The same cases as {@code tools/torch_step.py}
 * and the project steering's own PyTorch step script.
 *
 * @param name the case's name, as printed
 * @param conv a 3x3 convolution (else Dense)
 * @param in input channels (features)
 * @param out output channels (features)
 * @param size height and width of a convolution's input (1 for Dense)
 * @param batch samples per step
 */
public record BenchCase(String name, boolean conv, int in, int out, int size, int batch) {

  private static final int KERNEL = 3;

  /** The five cases of the benchmark, in the order they are printed. */
  public static final List<BenchCase> ALL =
      List.of(
          dense("dense_512x512_b32", 512, 512, 32),
          dense("dense_3136x128_b32", 3136, 128, 32),
          conv("conv3x3_64x64_16x16_b32", 64, 64, 16, 32),
          conv("conv3x3_1x32_28x28_b32", 1, 32, 28, 32),
          dense("dense_16x32_b50", 16, 32, 50));

  static BenchCase dense(String name, int in, int out, int batch) {
    return new BenchCase(name, false, in, out, 1, batch);
  }

  static BenchCase conv(String name, int in, int out, int size, int batch) {
    return new BenchCase(name, true, in, out, size, batch);
  }

  /** The weight, in TF's layout: {@code [in, out]} or {@code [3, 3, in, out]}. */
  public Shape weightShape() {
    return conv ? Shape.of(KERNEL, KERNEL, in, out) : Shape.of(in, out);
  }

  /** One input sample (no batch axis). */
  public Shape inputSample() {
    return conv ? Shape.of(size, size, in) : Shape.of(in);
  }

  /** One output sample (no batch axis); SAME padding keeps the spatial size. */
  public Shape outputSample() {
    return conv ? Shape.of(size, size, out) : Shape.of(out);
  }

  /** {@code relu(x W)} or {@code relu(conv2d(x, W, stride 1, SAME))}. */
  public LayerFunction layer() {
    LayerFunction linear = linear();
    return (tf, x, w) -> tf.nn.relu(linear.apply(tf, x, w));
  }

  /** {@code x W} or {@code conv2d(x, W, stride 1, SAME)}: the layer without its ReLU. */
  public LayerFunction linear() {
    return conv
        ? (tf, x, w) -> tf.nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), "SAME")
        : (tf, x, w) -> tf.linalg.matMul(x, w);
  }

  /**
   * Floating-point operations of one step's two products: the forward {@code 2 * batch * positions
   * * out * in * kernel area} (positions {@code size^2}, kernel area 9 for a convolution; 1 and 1
   * for Dense), and the weight gradient, as many again. Elementwise work is not counted.
   */
  public double flopsPerStep() {
    double positions = (double) size * size;
    double kernelArea = conv ? KERNEL * KERNEL : 1;
    return 2 * (2.0 * batch * positions * out * in * kernelArea);
  }
}
