package io.github.adaround.rebuild;

import io.github.adaround.error.UserError;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quadratic.ConvPatches;
import io.github.adaround.quadratic.DensePatches;
import io.github.adaround.quadratic.PatchLayout;
import io.github.adaround.train.LayerFunction;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.Conv2dBackpropInput;
import org.tensorflow.op.nn.DepthwiseConv2dNative;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Rebuilds a model's layer (its op with the same attributes, its bias, its batch norm, its
 * activation) as a {@link LayerFunction} in a training graph, and names its output-channel axes.
 */
public final class LayerRebuilder {

  private LayerRebuilder() {}

  /**
   * The output-channel axes of the layer's weight: the last axis of a Conv2D kernel {@code [h, w,
   * in, out]}, axis 2 of a Conv2DBackpropInput filter {@code [h, w, out, in]}, the last two of a
   * depthwise kernel {@code [h, w, in, multiplier]}, and of a MatMul weight the axis that is not
   * contracted.
   */
  public static int[] channelAxes(GraphOperation op) {
    return switch (op.type()) {
      case "Conv2D" -> new int[] {3};
      case "Conv2DBackpropInput" -> new int[] {2};
      case "DepthwiseConv2dNative" -> new int[] {2, 3};
      case "MatMul" -> new int[] {op.attributes().getAttrBool("transpose_b") ? 0 : 1};
      default -> throw new IllegalArgumentException("not a quantizable op: " + op.type());
    };
  }

  /**
   * The layer as graph ops on a new input and weight.
   *
   * @param bias the bias values, or null when the layer has none
   * @param batchNorm the batch norm after the bias, applied as {@code y * a + c}, or null
   * @throws UserError for layouts and activations the engine does not rebuild
   */
  public static LayerFunction rebuild(
      GraphOperation op, QuantizableLayer layer, float[] bias, BatchNormValues batchNorm) {
    String format =
        op.type().equals("MatMul") ? "NHWC" : op.attributes().getAttrString("data_format");
    if (!format.equals("NHWC")) {
      throw new UserError(
          "layer " + layer.name() + ": data format " + format + " is not supported (NHWC only)");
    }
    String activation = layer.activation();
    if (activation != null && !LayerActivation.SUPPORTED.contains(activation)) {
      throw new UserError(
          "layer " + layer.name() + ": activation " + activation + " is not supported");
    }
    float leakyAlpha = "LeakyRelu".equals(activation) ? leakyAlpha(op, layer) : 0f;
    LayerFunction linear = rebuildLinear(op, bias);
    return (tf, x, w) -> {
      Operand<TFloat32> y = linear.apply(tf, x, w);
      if (batchNorm != null) {
        y = tf.math.add(tf.math.mul(y, vector(tf, batchNorm.a())), vector(tf, batchNorm.c()));
      }
      return activation == null ? y : LayerActivation.apply(tf, activation, leakyAlpha, y);
    };
  }

  /** The layer up to its bias, without its activation: {@code W x + b}. */
  public static LayerFunction rebuildLinear(GraphOperation op, float[] bias) {
    return (tf, x, w) -> {
      Operand<TFloat32> y = linear(tf, op, x, w);
      if (bias != null) {
        y = tf.nn.biasAdd(y, vector(tf, bias));
      }
      return y;
    };
  }

  /** The tensor that enters the layer's activation, or its output when it has none. */
  public static String preActivation(Graph graph, QuantizableLayer layer) {
    if (layer.activation() == null) {
      return layer.output();
    }
    String tensor = layer.output();
    Output<?> input = graph.operationOrThrow(tensor.substring(0, tensor.lastIndexOf(':'))).input(0);
    return input.op().name() + ":" + input.index();
  }

  /**
   * The layer as products of patches ({@link PatchLayout}), or null for a MatMul that transposes
   * its input, a Conv2DBackpropInput and a Conv1D (whose output is squeezed).
   */
  public static PatchLayout patchLayout(GraphOperation op, long[] shape) {
    var attributes = op.attributes();
    if (LayerInspector.squeezeAfter(op).isPresent()) {
      return null;
    }
    return switch (op.type()) {
      case "Conv2DBackpropInput" -> null;
      case "Conv2D", "DepthwiseConv2dNative" ->
          new ConvPatches(
              shape[0],
              shape[1],
              shape[2],
              shape[3],
              op.type().equals("DepthwiseConv2dNative"),
              boxed(attributes.getAttrIntList("strides")),
              boxed(attributes.getAttrIntList("dilations")),
              attributes.getAttrString("padding"),
              boxed(attributes.getAttrIntList("explicit_paddings")));
      case "MatMul" -> {
        if (attributes.getAttrBool("transpose_a")) {
          yield null;
        }
        boolean transposed = attributes.getAttrBool("transpose_b");
        yield new DensePatches(
            transposed ? shape[1] : shape[0], transposed ? shape[0] : shape[1], transposed);
      }
      default -> throw new IllegalArgumentException("not a quantizable op: " + op.type());
    };
  }

  private static Operand<TFloat32> vector(Ops tf, float[] values) {
    return tf.constant(Shape.of(values.length), DataBuffers.of(values, true, false));
  }

  /** The number of output channels of the layer's weight of {@code shape}. */
  public static int channels(GraphOperation op, long[] shape) {
    long channels = 1;
    for (int axis : channelAxes(op)) {
      channels *= shape[axis];
    }
    return Math.toIntExact(channels);
  }

  /** The output channel of the weight's element at row-major index {@code flat}. */
  static int channelOf(GraphOperation op, long[] shape, int flat) {
    return switch (op.type()) {
      case "Conv2D" -> Math.toIntExact(flat % shape[3]);
      case "Conv2DBackpropInput" -> Math.toIntExact((flat / shape[3]) % shape[2]);
      case "DepthwiseConv2dNative" -> Math.toIntExact(flat % (shape[2] * shape[3]));
      case "MatMul" ->
          Math.toIntExact(
              op.attributes().getAttrBool("transpose_b") ? flat / shape[1] : flat % shape[1]);
      default -> throw new IllegalArgumentException("not a quantizable op: " + op.type());
    };
  }

  private static float leakyAlpha(GraphOperation op, QuantizableLayer layer) {
    String tensor = layer.output();
    Graph graph = (Graph) op.env();
    return graph
        .operationOrThrow(tensor.substring(0, tensor.lastIndexOf(':')))
        .attributes()
        .getAttrFloat("alpha");
  }

  /**
   * The layer op on {@code x} and {@code w}: {@code w} given the shape the op reads it in (as the
   * model's {@code ExpandDims}, {@code Reshape} or {@code Squeeze} do, the values in the same
   * order), the output squeezed as the model squeezes a Conv1D's.
   */
  private static Operand<TFloat32> linear(
      Ops tf, GraphOperation op, Operand<TFloat32> x, Operand<TFloat32> w) {
    Shape kernel = op.input(1).shape();
    if (!kernel.isUnknown()
        && !kernel.hasUnknownDimension()
        && !Arrays.equals(kernel.asArray(), w.shape().asArray())) {
      w = tf.reshape(w, tf.constant(kernel.asArray()));
    }
    Operand<TFloat32> y = op(tf, op, x, w);
    Optional<GraphOperation> squeeze = LayerInspector.squeezeAfter(op);
    if (squeeze.isPresent()) {
      y =
          tf.squeeze(
              y, Squeeze.axis(boxed(squeeze.get().attributes().getAttrIntList("squeeze_dims"))));
    }
    return y;
  }

  private static Operand<TFloat32> op(
      Ops tf, GraphOperation op, Operand<TFloat32> x, Operand<TFloat32> w) {
    var attributes = op.attributes();
    if (op.type().equals("Conv2D")
        && x.shape().numDimensions() == 4
        && PointwiseConvolution.applies(
            w.shape().asArray(),
            attributes.getAttrIntList("strides"),
            attributes.getAttrString("padding"),
            attributes.getAttrIntList("explicit_paddings"),
            x.shape().tail())) {
      return PointwiseConvolution.apply(tf, x, w, x.shape().tail());
    }
    return switch (op.type()) {
      case "Conv2D" ->
          tf.nn.conv2d(
              x,
              w,
              boxed(attributes.getAttrIntList("strides")),
              attributes.getAttrString("padding"),
              Conv2d.dilations(boxed(attributes.getAttrIntList("dilations"))),
              Conv2d.explicitPaddings(boxed(attributes.getAttrIntList("explicit_paddings"))));
      case "DepthwiseConv2dNative" ->
          tf.nn.depthwiseConv2dNative(
              x,
              w,
              boxed(attributes.getAttrIntList("strides")),
              attributes.getAttrString("padding"),
              DepthwiseConv2dNative.dilations(boxed(attributes.getAttrIntList("dilations"))),
              DepthwiseConv2dNative.explicitPaddings(
                  boxed(attributes.getAttrIntList("explicit_paddings"))));
      case "Conv2DBackpropInput" ->
          tf.nn.conv2dBackpropInput(
              outputSizes(tf, op, x),
              w,
              x,
              boxed(attributes.getAttrIntList("strides")),
              attributes.getAttrString("padding"),
              Conv2dBackpropInput.dilations(boxed(attributes.getAttrIntList("dilations"))),
              Conv2dBackpropInput.explicitPaddings(
                  boxed(attributes.getAttrIntList("explicit_paddings"))));
      case "MatMul" ->
          tf.linalg.matMul(
              x,
              w,
              MatMul.transposeA(attributes.getAttrBool("transpose_a")),
              MatMul.transposeB(attributes.getAttrBool("transpose_b")));
      default -> throw new IllegalArgumentException("not a quantizable op: " + op.type());
    };
  }

  /**
   * A Conv2DBackpropInput's {@code input_sizes} for the batch of {@code x}: the batch size of
   * {@code x} and the model's static output height, width and channels.
   */
  private static Operand<TInt32> outputSizes(Ops tf, GraphOperation op, Operand<TFloat32> x) {
    long[] out = op.output(0).shape().asArray();
    Operand<TInt32> batch =
        tf.reshape(
            tf.stridedSlice(
                tf.shape(x),
                tf.constant(new int[] {0}),
                tf.constant(new int[] {1}),
                tf.constant(new int[] {1})),
            tf.constant(new int[] {1}));
    return tf.concat(
        List.of(batch, tf.constant(new int[] {(int) out[1], (int) out[2], (int) out[3]})),
        tf.constant(0));
  }

  private static List<Long> boxed(long[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
