package io.github.adaround.engine;

import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Storage;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quant.Grid;
import io.github.adaround.quant.MseScaleSearch;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.rebuild.LayerRebuilder;
import io.github.adaround.rebuild.WeightChannels;
import java.util.Arrays;
import org.tensorflow.GraphOperation;

/**
 * The grid a layer's weight is quantized on, as a layer and a block reconstruction both choose it:
 * the layer's bits ({@code --bits}, or its own from {@code --bits-per-layer}), per tensor or per
 * output channel, and the scales {@code s = argmin ||W - s clamp(round(W / s))||^2} of the MSE
 * search (or none, where the min-max observer chooses them).
 *
 * @param spec the grid: bits, per tensor or per channel
 * @param shape the shape the weight is quantized in: its own, or for a flat weight reshaped into a
 *     kernel (whose output channels are no axis of it) and a per-channel grid, the kernel's
 * @param scale the grid's scales, or null where the graph's min-max observer chooses them
 * @param note why the grid is per tensor although per channel was asked, or null
 */
record WeightGrid(QuantSpec spec, long[] shape, float[] scale, String note) {

  /**
   * The grid of {@code layer} ({@code op} in the FP graph) for its weight values {@code weight}.
   */
  static WeightGrid of(
      QuantizeConfig config, QuantizableLayer layer, GraphOperation op, float[] weight) {
    long[] shape = layer.shape();
    QuantSpec spec = QuantSpec.signed(config.weights().bitsOf(layer.weight()));
    String note = null;
    long[] gridShape = shape;
    if (config.weights().perChannel()) {
      int[] axes = WeightChannels.axes(op, layer);
      if (axes != null) {
        spec = spec.perChannel(axes);
      } else if (config.output().storage() != Storage.CODES) {
        // A flat weight reshaped into a kernel: its grid is over the kernel's output channels,
        // the same values in the same order.
        gridShape = layer.kernel();
        spec = spec.perChannel(LayerRebuilder.channelAxes(op));
        note =
            "per channel of the kernel "
                + Arrays.toString(gridShape)
                + " that the layer reads its weight of shape "
                + Arrays.toString(shape)
                + " as";
      } else {
        note =
            "per tensor: the layer's output channels are no axis of its weight of shape "
                + Arrays.toString(shape)
                + " (read as "
                + Arrays.toString(layer.kernel())
                + ")";
      }
    }
    // null: the graph's min-max observer chooses the scale, bit-exact with the reference.
    float[] scale =
        config.weights().grid() == Grid.MSE ? MseScaleSearch.scales(weight, gridShape, spec) : null;
    return new WeightGrid(spec, gridShape, scale, note);
  }
}
