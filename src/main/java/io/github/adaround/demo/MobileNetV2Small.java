package io.github.adaround.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A small MobileNetV2-style net for Fashion-MNIST, a test model for block reconstruction: inverted
 * residual blocks of a 1x1 expansion (x4), a 3x3 depthwise convolution and a linear 1x1 projection,
 * every convolution without bias and followed by a batch norm, ReLU6 activations.
 *
 * <pre>
 * stem    Conv2D 3x3 stride 2, 1 -> 16, BN, ReLU6                     28x28 -> 14x14
 * ir1     16 -> 64 -> 16, stride 1, add the block's input             14x14
 * ir2     16 -> 64 -> 32, stride 2                                    14x14 -> 7x7
 * ir3     32 -> 128 -> 32, stride 1, add the block's input            7x7
 * ir4     32 -> 128 -> 32, stride 1, add the block's input            7x7
 * head    Conv2D 1x1 32 -> 128, BN, ReLU6
 * pool    global average pool                                         128
 * logits  MatMul 128 -> 10, bias
 * </pre>
 *
 * Block {@code irN}: {@code irN_expand} (Conv2D 1x1) + {@code irN_expand_bn} + ReLU6, {@code
 * irN_dw} (DepthwiseConv2dNative 3x3) + {@code irN_dw_bn} + ReLU6, {@code irN_project} (Conv2D 1x1)
 * + {@code irN_project_bn}, then {@code irN_add} where it has a skip.
 */
final class MobileNetV2Small {
  private static final int EXPANSION = 4;
  private static final int STEM = 16;
  private static final int HEAD = 128;

  /** The blocks: input channels, output channels, stride. */
  private static final int[][] BLOCKS = {{16, 16, 1}, {16, 32, 2}, {32, 32, 1}, {32, 32, 1}};

  private static final List<Parameter> PARAMETERS = new ArrayList<>();
  private static final List<Parameter> STATISTICS = new ArrayList<>();

  static {
    addConv("stem", 3, 1, STEM);
    for (int b = 0; b < BLOCKS.length; b++) {
      String block = "ir" + (b + 1);
      int in = BLOCKS[b][0];
      int hidden = in * EXPANSION;
      addConv(block + "_expand", 1, in, hidden);
      PARAMETERS.add(Layers.depthwiseKernel(block + "_dw", 3, hidden));
      addNorm(block + "_dw_bn", hidden);
      addConv(block + "_project", 1, hidden, BLOCKS[b][1]);
    }
    int last = BLOCKS[BLOCKS.length - 1][1];
    addConv("head", 1, last, HEAD);
    PARAMETERS.addAll(Layers.dense("logits", HEAD, FashionCnn.CLASSES));
  }

  /** The model as a {@link ModelDefinition}. */
  static final ModelDefinition DEFINITION =
      new ModelDefinition(PARAMETERS, STATISTICS, MobileNetV2Small::logits);

  private MobileNetV2Small() {}

  private static void addConv(String name, int k, int in, int out) {
    PARAMETERS.add(Layers.convKernel(name, k, in, out));
    addNorm(name + "_bn", out);
  }

  private static void addNorm(String name, int channels) {
    PARAMETERS.addAll(BatchNorms.trainable(name, channels));
    STATISTICS.addAll(BatchNorms.statistics(name, channels));
  }

  private static Operand<TFloat32> logits(
      LayerScopes scopes,
      Operand<TFloat32> images,
      Map<String, ? extends Operand<TFloat32>> params,
      BatchNorms norms) {
    Operand<TFloat32> x =
        relu6(scopes, "stem_bn", convBn(scopes, "stem", images, 2, params, norms));
    for (int b = 0; b < BLOCKS.length; b++) {
      String block = "ir" + (b + 1);
      int stride = BLOCKS[b][2];
      Operand<TFloat32> h =
          relu6(
              scopes, block + "_expand_bn", convBn(scopes, block + "_expand", x, 1, params, norms));
      String dw = block + "_dw";
      h =
          relu6(
              scopes,
              dw + "_bn",
              norms.apply(
                  scopes, dw + "_bn", Layers.depthwise(scopes, dw, h, stride, params), params));
      h = convBn(scopes, block + "_project", h, 1, params, norms);
      if (stride == 1 && BLOCKS[b][0] == BLOCKS[b][1]) {
        Ops add = scopes.layer(block + "_add");
        h = add.math.add(h, x);
      }
      x = h;
    }
    x = relu6(scopes, "head_bn", convBn(scopes, "head", x, 1, params, norms));
    return Layers.poolAndDense(scopes, "logits", x, params);
  }

  private static Operand<TFloat32> convBn(
      LayerScopes scopes,
      String name,
      Operand<TFloat32> x,
      int stride,
      Map<String, ? extends Operand<TFloat32>> params,
      BatchNorms norms) {
    return norms.apply(scopes, name + "_bn", Layers.conv(scopes, name, x, stride, params), params);
  }

  private static Operand<TFloat32> relu6(LayerScopes scopes, String layer, Operand<TFloat32> x) {
    return scopes.layer(layer).nn.relu6(x);
  }
}
