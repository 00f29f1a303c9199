package io.github.adaround.rebuild;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.error.UserError;
import io.github.adaround.graph.BatchNorm;
import io.github.adaround.graph.QuantizableLayer;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;

/**
 * Folds an inference batch norm into the layer before it, as the integer runtimes (QNN, TFLite) and
 * AIMET do before quantizing (Jacob et al. 2018, section 3.2): per output channel {@code w' = w *
 * a}, {@code b' = b * a + c} with {@code a = gamma / sqrt(var + eps)} and {@code c = beta - mean *
 * a}, so that {@code BN(w x + b) = w' x + b'}. The model then holds the folded weight and bias, and
 * its batch norm is made the identity ({@code gamma = 1}, {@code beta = 0}, {@code mean = 0},
 * {@code variance = 1 - eps}), or, for a layer without a bias, adds {@code b'} alone ({@code beta =
 * b'}, and the batch norm stays as the op that adds it); a source whose export can drop an identity
 * batch norm does.
 */
public final class BatchNormFolding {

  private BatchNormFolding() {}

  /** The folded weight and bias of a layer. */
  public record Folded(float[] weight, float[] bias) {}

  /**
   * @throws UserError for a batch norm the engine cannot fold: one written as {@code Mul}/{@code
   *     Add} (its parameters are computed, not variables), or after a weight that other layer ops
   *     read
   */
  public static void check(List<QuantizableLayer> layers) {
    for (QuantizableLayer layer : layers) {
      if (layer.batchNorm() == null) {
        continue;
      }
      if (layer.batchNorm().form() != BatchNorm.Form.FUSED) {
        throw new UserError(
            "--fold-batch-norm: the batch norm after layer "
                + layer.name()
                + " is computed by Mul and Add; only FusedBatchNorm ops are folded");
      }
      if (!layer.alsoReadBy().isEmpty()) {
        throw new UserError(
            "--fold-batch-norm: the weight of layer " + layer.name() + " is read by other layers");
      }
    }
  }

  /** {@code w * a} per output channel and {@code b * a + c} ({@code b = 0} without a bias). */
  public static Folded fold(
      GraphOperation op, long[] shape, float[] w, float[] b, BatchNormValues bn) {
    float[] weight = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      weight[i] = w[i] * bn.a()[LayerRebuilder.channelOf(op, shape, i)];
    }
    float[] bias = new float[bn.a().length];
    for (int c = 0; c < bias.length; c++) {
      bias[c] = (b == null ? 0f : b[c]) * bn.a()[c] + bn.c()[c];
    }
    return new Folded(weight, bias);
  }

  /**
   * Writes the folded bias and the identity batch norm into {@code model} (the hardened weight is
   * written apart), and tells its source that the batch norm is folded away.
   */
  public static void writeInto(ModelSession model, QuantizableLayer layer, float[] foldedBias) {
    BatchNorm bn = layer.batchNorm();
    int channels = foldedBias.length;
    Shape shape = Shape.of(channels);
    float[] ones = filled(channels, 1f);
    float[] zeros = new float[channels];
    float[] variance = filled(channels, oneMinus(bn.epsilon()));
    if (layer.bias() != null) {
      model.write(layer.bias(), shape, foldedBias);
    }
    List<String> parameters = bn.parameters();
    model.write(variable(model.graph(), parameters.get(0), layer), shape, ones);
    model.write(
        variable(model.graph(), parameters.get(1), layer),
        shape,
        layer.bias() != null ? zeros : foldedBias);
    model.write(variable(model.graph(), parameters.get(2), layer), shape, zeros);
    model.write(variable(model.graph(), parameters.get(3), layer), shape, variance);
    if (layer.bias() != null) {
      model.source().foldedAway(bn.ops().get(0));
    }
  }

  /** The largest float {@code v} with {@code v + eps == 1} in float arithmetic. */
  private static float oneMinus(float eps) {
    float v = 1f - eps;
    while (v + eps != 1f) {
      v = v + eps < 1f ? Math.nextUp(v) : Math.nextDown(v);
    }
    return v;
  }

  private static float[] filled(int n, float value) {
    float[] values = new float[n];
    java.util.Arrays.fill(values, value);
    return values;
  }

  /** The variable that the parameter tensor reads, through identities. */
  private static String variable(Graph graph, String tensor, QuantizableLayer layer) {
    GraphOperation op = graph.operationOrThrow(tensor.substring(0, tensor.lastIndexOf(':')));
    while (op.type().equals("Identity") || op.type().equals("ReadVariableOp")) {
      op = (GraphOperation) op.input(0).op();
    }
    if (!op.type().equals("VariableV2") && !op.type().equals("VarHandleOp")) {
      throw new UserError(
          "--fold-batch-norm: a parameter of the batch norm after layer "
              + layer.name()
              + " is no variable or constant ("
              + op.type()
              + ")");
    }
    return op.name();
  }
}
