package io.github.adaround.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A small residual net for Fashion-MNIST, a test model for block reconstruction: convolutions
 * without bias, each followed by a batch norm, and residual adds.
 *
 * <pre>
 * stem    Conv2D 3x3, 1 -> 32, BN, ReLU, max pool 2x2               28x28 -> 14x14
 * block1  Conv2D 3x3 32 -> 32, BN, ReLU; Conv2D 3x3 32 -> 32, BN;
 *         add the block's input, ReLU                               14x14
 * block2  Conv2D 3x3 stride 2, 32 -> 64, BN, ReLU; Conv2D 3x3 64 -> 64, BN;
 *         add the skip (Conv2D 1x1 stride 2, 32 -> 64, BN), ReLU    14x14 -> 7x7
 * pool    global average pool                                       64
 * logits  MatMul 64 -> 10, bias
 * </pre>
 */
final class ResidualCnn {
  private static final int C1 = 32;
  private static final int C2 = 64;

  private static final String[] NORMS = {
    "stem_bn", "b1_bn1", "b1_bn2", "b2_bn1", "b2_bn2", "b2_proj_bn"
  };
  private static final int[] NORM_CHANNELS = {C1, C1, C1, C2, C2, C2};

  private static final List<Parameter> PARAMETERS = trainable();
  private static final List<Parameter> STATISTICS = statisticsList();

  /** The model as a {@link ModelDefinition}. */
  static final ModelDefinition DEFINITION =
      new ModelDefinition(PARAMETERS, STATISTICS, ResidualCnn::logits);

  private ResidualCnn() {}

  private static List<Parameter> trainable() {
    List<Parameter> p = new ArrayList<>();
    p.add(Layers.convKernel("stem", 3, 1, C1));
    p.addAll(BatchNorms.trainable("stem_bn", C1));
    p.add(Layers.convKernel("b1_conv1", 3, C1, C1));
    p.addAll(BatchNorms.trainable("b1_bn1", C1));
    p.add(Layers.convKernel("b1_conv2", 3, C1, C1));
    p.addAll(BatchNorms.trainable("b1_bn2", C1));
    p.add(Layers.convKernel("b2_conv1", 3, C1, C2));
    p.addAll(BatchNorms.trainable("b2_bn1", C2));
    p.add(Layers.convKernel("b2_conv2", 3, C2, C2));
    p.addAll(BatchNorms.trainable("b2_bn2", C2));
    p.add(Layers.convKernel("b2_proj", 1, C1, C2));
    p.addAll(BatchNorms.trainable("b2_proj_bn", C2));
    p.addAll(Layers.dense("logits", C2, FashionCnn.CLASSES));
    return List.copyOf(p);
  }

  private static List<Parameter> statisticsList() {
    List<Parameter> p = new ArrayList<>();
    for (int i = 0; i < NORMS.length; i++) {
      p.addAll(BatchNorms.statistics(NORMS[i], NORM_CHANNELS[i]));
    }
    return List.copyOf(p);
  }

  private static Operand<TFloat32> logits(
      LayerScopes scopes,
      Operand<TFloat32> images,
      Map<String, ? extends Operand<TFloat32>> params,
      BatchNorms norms) {
    Operand<TFloat32> x =
        relu(
            scopes,
            "stem_bn",
            norms.apply(scopes, "stem_bn", conv(scopes, "stem", images, 1, params), params));
    Ops stem = scopes.layer("stem_pool");
    Operand<TInt32> window = stem.constant(new int[] {1, 2, 2, 1});
    x = stem.nn.maxPool(x, window, window, "VALID");

    Operand<TFloat32> h =
        relu(
            scopes,
            "b1_bn1",
            norms.apply(scopes, "b1_bn1", conv(scopes, "b1_conv1", x, 1, params), params));
    h = norms.apply(scopes, "b1_bn2", conv(scopes, "b1_conv2", h, 1, params), params);
    x = addRelu(scopes, "b1_add", h, x);

    h =
        relu(
            scopes,
            "b2_bn1",
            norms.apply(scopes, "b2_bn1", conv(scopes, "b2_conv1", x, 2, params), params));
    h = norms.apply(scopes, "b2_bn2", conv(scopes, "b2_conv2", h, 1, params), params);
    Operand<TFloat32> skip =
        norms.apply(scopes, "b2_proj_bn", conv(scopes, "b2_proj", x, 2, params), params);
    x = addRelu(scopes, "b2_add", h, skip);
    return Layers.poolAndDense(scopes, "logits", x, params);
  }

  private static Operand<TFloat32> conv(
      LayerScopes scopes,
      String name,
      Operand<TFloat32> x,
      int stride,
      Map<String, ? extends Operand<TFloat32>> params) {
    return Layers.conv(scopes, name, x, stride, params);
  }

  private static Operand<TFloat32> relu(LayerScopes scopes, String layer, Operand<TFloat32> x) {
    return scopes.layer(layer).nn.relu(x);
  }

  private static Operand<TFloat32> addRelu(
      LayerScopes scopes, String name, Operand<TFloat32> a, Operand<TFloat32> b) {
    Ops add = scopes.layer(name);
    return add.nn.relu(add.math.add(a, b));
  }
}
