package io.github.adaround.rebuild;

import io.github.adaround.graph.QuantizableLayer;
import org.tensorflow.GraphOperation;

/**
 * The output-channel axes of a layer's weight as it is stored: the layer op's own ({@link
 * LayerRebuilder#channelAxes}), or, for a weight the op reads through shape ops, the axes of the
 * stored weight that become them.
 */
public final class WeightChannels {

  private WeightChannels() {}

  /**
   * The axes of the stored weight (of {@link QuantizableLayer#shape()}) that are the layer's output
   * channels, or null where the shape ops do not carry an axis of the weight onto each of them (a
   * flat constant reshaped into a kernel).
   */
  public static int[] axes(GraphOperation op, QuantizableLayer layer) {
    int[] kernelAxes = LayerRebuilder.channelAxes(op);
    if (!layer.reshaped()) {
      return kernelAxes;
    }
    long[] stored = layer.shape();
    long[] kernel = layer.kernel();
    int[] axes = new int[kernelAxes.length];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = matching(stored, kernel, kernelAxes[i]);
      if (axes[i] < 0 || (i > 0 && axes[i] <= axes[i - 1])) {
        return null;
      }
    }
    return axes;
  }

  /**
   * The axis of {@code stored} that is axis {@code axis} of {@code kernel}, the same values in the
   * same row-major order: of the same size and the same stride; -1 if there is none.
   */
  static int matching(long[] stored, long[] kernel, int axis) {
    long stride = stride(kernel, axis);
    for (int a = 0; a < stored.length; a++) {
      if (stored[a] == kernel[axis] && stride(stored, a) == stride) {
        return a;
      }
    }
    return -1;
  }

  private static long stride(long[] shape, int axis) {
    long stride = 1;
    for (int a = axis + 1; a < shape.length; a++) {
      stride *= shape[a];
    }
    return stride;
  }
}
