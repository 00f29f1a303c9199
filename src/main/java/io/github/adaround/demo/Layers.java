package io.github.adaround.demo;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Layer helpers shared by the batch-norm models: convolutions without bias and pooling. */
final class Layers {
  private Layers() {}

  /** The strides list of a 2-D op with the same stride on both axes. */
  static List<Long> strides(int stride) {
    return List.of(1L, (long) stride, (long) stride, 1L);
  }

  /** A {@code Conv2D}, {@code SAME} padding, reading {@code name/kernel}. */
  static Operand<TFloat32> conv(
      LayerScopes scopes,
      String name,
      Operand<TFloat32> x,
      int stride,
      Map<String, ? extends Operand<TFloat32>> params) {
    return scopes.layer(name).nn.conv2d(x, params.get(name + "/kernel"), strides(stride), "SAME");
  }

  /**
   * A {@code DepthwiseConv2dNative}, {@code SAME} padding, reading {@code name/depthwise_kernel}.
   */
  static Operand<TFloat32> depthwise(
      LayerScopes scopes,
      String name,
      Operand<TFloat32> x,
      int stride,
      Map<String, ? extends Operand<TFloat32>> params) {
    return scopes
        .layer(name)
        .nn
        .depthwiseConv2dNative(x, params.get(name + "/depthwise_kernel"), strides(stride), "SAME");
  }

  /** A conv kernel {@code [k, k, in, out]}. */
  static Parameter convKernel(String name, int k, int in, int out) {
    return Parameter.kernel(name + "/kernel", k * k * in, k * k * out, k, k, in, out);
  }

  /** A depthwise kernel {@code [k, k, channels, 1]}. */
  static Parameter depthwiseKernel(String name, int k, int channels) {
    return Parameter.kernel(name + "/depthwise_kernel", k * k, k * k, k, k, channels, 1);
  }

  /** The dense head {@code name}: kernel and bias. */
  static List<Parameter> dense(String name, int in, int out) {
    return List.of(
        Parameter.kernel(name + "/kernel", in, out, in, out), Parameter.bias(name + "/bias", out));
  }

  /** Global average pooling of NHWC to {@code [-1, C]}, then the dense layer {@code name}. */
  static Operand<TFloat32> poolAndDense(
      LayerScopes scopes,
      String name,
      Operand<TFloat32> x,
      Map<String, ? extends Operand<TFloat32>> params) {
    Ops pool = scopes.layer("pool");
    Operand<TFloat32> pooled = pool.math.mean(x, pool.constant(new int[] {1, 2}));
    Ops dense = scopes.layer(name);
    return dense.nn.biasAdd(
        dense.linalg.matMul(pooled, params.get(name + "/kernel")), params.get(name + "/bias"));
  }
}
