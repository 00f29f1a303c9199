package io.github.adaround.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A layer whose weights the quantizer can round: a {@code Conv2D}, {@code DepthwiseConv2dNative} or
 * {@code MatMul} whose weight operand is a variable.
 *
 * @param name the layer op's name in the graph, e.g. {@code conv1/Conv2d}
 * @param op the op type: {@code Conv2D}, {@code DepthwiseConv2dNative} or {@code MatMul}
 * @param weight the name of the weight variable
 * @param shape the weight's shape
 * @param bias the name of the bias variable added right after the op, or null
 * @param batchNorm the inference batch norm after the op and its bias, or null
 * @param activation the type of the activation op that follows the op (and its bias and batch
 *     norm), e.g. {@code Relu}, or null when something else follows
 * @param input the tensor the op multiplies with the weight, e.g. {@code pool1/MaxPool:0}
 * @param output the tensor after the op, its bias, batch norm and activation (whichever come), e.g.
 *     {@code conv1/Relu:0}: where AdaRound compares the quantized layer with the FP one
 * @param alsoReadBy the other layer ops that read the same weight (it is quantized once, here)
 * @param followedBy when no activation is recognised, the types of the ops that read {@code output}
 *     (such as an activation Keras builds from several ops): not rebuilt, the target is taken
 *     before them
 * @param kernel the shape of the weight as the layer op reads it: {@code shape}, or, for a weight
 *     read through shape ops ({@code ExpandDims}, {@code Reshape}, {@code Squeeze}), the shape they
 *     give it (the same values in the same order)
 */
public record QuantizableLayer(
    String name,
    String op,
    String weight,
    long[] shape,
    String bias,
    BatchNorm batchNorm,
    String activation,
    String input,
    String output,
    List<String> alsoReadBy,
    List<String> followedBy,
    long[] kernel) {

  /** Copies the shapes and lists so that the record stays immutable. */
  public QuantizableLayer {
    shape = shape.clone();
    kernel = kernel.clone();
    alsoReadBy = List.copyOf(alsoReadBy);
    followedBy = List.copyOf(followedBy);
  }

  /** A layer whose weight no other layer op reads. */
  public QuantizableLayer(
      String name,
      String op,
      String weight,
      long[] shape,
      String bias,
      String activation,
      String input,
      String output) {
    this(
        name,
        op,
        weight,
        shape,
        bias,
        null,
        activation,
        input,
        output,
        List.of(),
        List.of(),
        shape);
  }

  /** A layer whose weight the layer op reads as it is stored. */
  public QuantizableLayer(
      String name,
      String op,
      String weight,
      long[] shape,
      String bias,
      BatchNorm batchNorm,
      String activation,
      String input,
      String output,
      List<String> alsoReadBy,
      List<String> followedBy) {
    this(
        name,
        op,
        weight,
        shape,
        bias,
        batchNorm,
        activation,
        input,
        output,
        alsoReadBy,
        followedBy,
        shape);
  }

  /** This layer with {@code others} as the other readers of its weight. */
  QuantizableLayer withAlsoReadBy(List<String> others) {
    return new QuantizableLayer(
        name,
        op,
        weight,
        shape,
        bias,
        batchNorm,
        activation,
        input,
        output,
        others,
        followedBy,
        kernel);
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public long[] kernel() {
    return kernel.clone();
  }

  /** Whether the layer op reads the weight through shape ops that change its shape. */
  public boolean reshaped() {
    return !Arrays.equals(shape, kernel);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QuantizableLayer other
        && name.equals(other.name)
        && op.equals(other.op)
        && weight.equals(other.weight)
        && Arrays.equals(shape, other.shape)
        && Arrays.equals(kernel, other.kernel)
        && Objects.equals(bias, other.bias)
        && Objects.equals(batchNorm, other.batchNorm)
        && Objects.equals(activation, other.activation)
        && input.equals(other.input)
        && output.equals(other.output)
        && alsoReadBy.equals(other.alsoReadBy)
        && followedBy.equals(other.followedBy);
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  @Override
  public String toString() {
    return name
        + " "
        + op
        + " "
        + weight
        + Arrays.toString(shape)
        + (reshaped() ? " as " + Arrays.toString(kernel) : "")
        + " bias="
        + bias
        + (batchNorm == null ? "" : " batch_norm=" + batchNorm.ops())
        + " activation="
        + activation;
  }
}
