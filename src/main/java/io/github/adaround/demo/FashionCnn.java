package io.github.adaround.demo;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The bundled Fashion-MNIST classifier, built from TF ops. It holds every layer kind the quantizer
 * handles:
 *
 * <pre>
 * conv1  Conv2D 3x3, 1 -> 32, bias, ReLU, max pool 2x2          28x28 -> 14x14
 * dw     DepthwiseConv2dNative 3x3, 32 channels, bias, ReLU6
 * pw     Conv2D 1x1, 32 -> 64, bias, ReLU, max pool 2x2         14x14 -> 7x7
 * dense1 MatMul 3136 -> 128, bias, ReLU
 * logits MatMul 128 -> 10, bias
 * </pre>
 *
 * Input: float32 {@code [-1, 28, 28, 1]} in [0, 1]. Output: float32 logits {@code [-1, 10]}.
 */
final class FashionCnn {
  /** Signature key of the exported model. */
  public static final String SIGNATURE = "serving_default";

  /** Name of the input placeholder and of the signature's input. */
  public static final String INPUT = "input";

  /** Name of the signature's output. */
  public static final String OUTPUT = "logits";

  /** The input shape, batch first. */
  public static final long[] INPUT_SHAPE = {-1, 28, 28, 1};

  /** Number of classes. */
  public static final int CLASSES = 10;

  private static final int C1 = 32;
  private static final int C2 = 64;
  private static final int FLAT = 7 * 7 * C2;
  private static final int HIDDEN = 128;

  /** The trainable tensors, in layer order. */
  public static final List<Parameter> PARAMETERS =
      List.of(
          Parameter.kernel("conv1/kernel", 9, 9 * C1, 3, 3, 1, C1),
          Parameter.bias("conv1/bias", C1),
          Parameter.kernel("dw/depthwise_kernel", 9, 9, 3, 3, C1, 1),
          Parameter.bias("dw/bias", C1),
          Parameter.kernel("pw/kernel", C1, C2, 1, 1, C1, C2),
          Parameter.bias("pw/bias", C2),
          Parameter.kernel("dense1/kernel", FLAT, HIDDEN, FLAT, HIDDEN),
          Parameter.bias("dense1/bias", HIDDEN),
          Parameter.kernel("logits/kernel", HIDDEN, CLASSES, HIDDEN, CLASSES),
          Parameter.bias("logits/bias", CLASSES));

  private static final List<Long> UNIT_STRIDES = List.of(1L, 1L, 1L, 1L);

  /** The model as a {@link ModelDefinition}; it has no batch norm. */
  static final ModelDefinition DEFINITION =
      new ModelDefinition(
          PARAMETERS, List.of(), (scopes, images, params, norms) -> logits(scopes, images, params));

  private FashionCnn() {}

  /**
   * Builds the forward pass.
   *
   * @param scopes where to build the ops: each layer in the scope of its name
   * @param images a batch of images, {@code [-1, 28, 28, 1]}
   * @param params the tensors of {@link #PARAMETERS}, by name
   * @return the logits, {@code [-1, 10]}
   */
  public static Operand<TFloat32> logits(
      LayerScopes scopes,
      Operand<TFloat32> images,
      Map<String, ? extends Operand<TFloat32>> params) {
    Ops conv1 = scopes.layer("conv1");
    Operand<TFloat32> x =
        conv1.nn.relu(
            conv1.nn.biasAdd(
                conv1.nn.conv2d(images, params.get("conv1/kernel"), UNIT_STRIDES, "SAME"),
                params.get("conv1/bias")));
    x = maxPool2x2(conv1, x);

    Ops dw = scopes.layer("dw");
    x =
        dw.nn.relu6(
            dw.nn.biasAdd(
                dw.nn.depthwiseConv2dNative(
                    x, params.get("dw/depthwise_kernel"), UNIT_STRIDES, "SAME"),
                params.get("dw/bias")));

    Ops pw = scopes.layer("pw");
    x =
        pw.nn.relu(
            pw.nn.biasAdd(
                pw.nn.conv2d(x, params.get("pw/kernel"), UNIT_STRIDES, "VALID"),
                params.get("pw/bias")));
    x = maxPool2x2(pw, x);

    Ops flatten = scopes.layer("flatten");
    x = flatten.reshape(x, flatten.constant(new int[] {-1, FLAT}));

    Ops dense1 = scopes.layer("dense1");
    x =
        dense1.nn.relu(
            dense1.nn.biasAdd(
                dense1.linalg.matMul(x, params.get("dense1/kernel")), params.get("dense1/bias")));

    Ops logits = scopes.layer("logits");
    return logits.nn.biasAdd(
        logits.linalg.matMul(x, params.get("logits/kernel")), params.get("logits/bias"));
  }

  private static Operand<TFloat32> maxPool2x2(Ops tf, Operand<TFloat32> x) {
    Operand<TInt32> window = tf.constant(new int[] {1, 2, 2, 1});
    return tf.nn.maxPool(x, window, window, "VALID");
  }
}
