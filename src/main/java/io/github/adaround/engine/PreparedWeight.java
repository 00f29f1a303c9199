package io.github.adaround.engine;

import io.github.adaround.activation.QDropInput;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.error.UserError;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.rebuild.BatchNormFolding;
import io.github.adaround.rebuild.BatchNormValues;
import io.github.adaround.rebuild.LayerRebuilder;
import io.github.adaround.train.LayerFunction;
import org.tensorflow.GraphOperation;

/**
 * A layer's weight as it is quantized: the FP weight and bias, with the batch norm folded in when
 * asked, its grid and the layer's function as the training graph computes it.
 *
 * @param shape the shape the weight is quantized in: its own, or for a flat weight reshaped into a
 *     kernel (whose output channels are no axis of it) and a per-channel grid, the kernel's
 * @param spec the grid: bits, per tensor or per channel
 * @param scale the grid's scales, or null where the graph's min-max observer chooses them
 * @param function the rebuilt layer (its QDrop input when there is one)
 * @param qdrop the layer's QDrop input, or null
 * @param note why the grid is per tensor although per channel was asked, or null
 */
record PreparedWeight(
    float[] weight,
    long[] shape,
    float[] bias,
    QuantSpec spec,
    float[] scale,
    LayerFunction function,
    QDropInput qdrop,
    String note) {

  /**
   * Layer {@code index} of the run, {@code op} in the FP graph, prepared.
   *
   * @throws UserError when the weight holds NaN or Inf
   */
  static PreparedWeight of(RunContext run, int index, QuantizableLayer layer, GraphOperation op) {
    QuantizeConfig config = run.config();
    float[] weight = run.fp().read(layer.weight());
    for (float w : weight) {
      if (!Float.isFinite(w)) {
        throw new UserError(
            "layer " + layer.name() + ": weight '" + layer.weight() + "' contains NaN or Inf");
      }
    }
    float[] bias = layer.bias() == null ? null : run.fp().read(layer.bias());
    BatchNormValues batchNorm = batchNormOf(run.fp(), layer, op);
    if (folds(config, layer)) {
      BatchNormFolding.Folded folded =
          BatchNormFolding.fold(op, layer.kernel(), weight, bias, batchNorm);
      weight = folded.weight();
      bias = folded.bias();
      batchNorm = null;
    }
    WeightGrid grid = WeightGrid.of(config, layer, op, weight);
    LayerFunction function = LayerRebuilder.rebuild(op, layer, bias, batchNorm);
    QDropInput qdrop = null;
    if (run.simulated() != null) {
      // Each layer draws its own element masks, seeded by the run's seed and the layer's index.
      qdrop =
          run.simulated().quantizedInput(function, layer, config.recipe().seed() * 1000 + index);
      function = qdrop;
    }
    return new PreparedWeight(
        weight, grid.shape(), bias, grid.spec(), grid.scale(), function, qdrop, grid.note());
  }

  /** Whether the layer's batch norm is folded into its weight and bias. */
  static boolean folds(QuantizeConfig config, QuantizableLayer layer) {
    return config.weights().foldBatchNorm() && layer.batchNorm() != null;
  }

  /** The layer's FP bias with its batch norm folded in. */
  static float[] foldedBias(ModelSession fp, QuantizableLayer layer) {
    GraphOperation op = fp.graph().operationOrThrow(layer.name());
    return BatchNormFolding.fold(
            op,
            layer.kernel(),
            fp.read(layer.weight()),
            layer.bias() == null ? null : fp.read(layer.bias()),
            batchNormOf(fp, layer, op))
        .bias();
  }

  private static BatchNormValues batchNormOf(
      ModelSession fp, QuantizableLayer layer, GraphOperation op) {
    return layer.batchNorm() == null
        ? null
        : BatchNormValues.of(
            fp.source().session(),
            layer.batchNorm(),
            LayerRebuilder.channels(op, layer.kernel()),
            layer.name());
  }
}
