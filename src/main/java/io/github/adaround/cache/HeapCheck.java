package io.github.adaround.cache;

import io.github.adaround.data.Calibration;
import io.github.adaround.data.CalibrationInput;
import io.github.adaround.error.UserError;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.Batches;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;

/**
 * Checks, before a run starts, that the Java heap holds what a layer keeps in it: the calibration
 * samples, the part of its cached activations that {@code --cache-mb} keeps in memory (the rest
 * spills to disk; each cache takes its memory once, never growing), and a few runs' worth of
 * fetched values ({@link Batches#RUN_BYTES} each). Everything else that grows with samples x
 * activation size is chunked.
 */
public final class HeapCheck {

  private HeapCheck() {}

  /**
   * @param calibration the calibration and held-back samples, held in the heap for the whole run
   * @param cacheBytes the cache budget of one layer ({@code --cache-mb})
   * @throws UserError naming the layer, the heap it needs and the option that lowers it
   */
  public static void check(
      ModelSession fp, List<QuantizableLayer> layers, Calibration calibration, long cacheBytes) {
    long heap = Runtime.getRuntime().maxMemory();
    int samples = calibration.count() + calibration.heldBackCount();
    long held = 0;
    for (CalibrationInput input : calibration.inputs()) {
      held += 4L * (input.samples().length + input.heldBack().length);
    }
    for (QuantizableLayer layer : layers) {
      long perSample = floats(fp.graph(), layer.input()) + floats(fp.graph(), layer.output());
      if (perSample <= 0) {
        continue;
      }
      long cached = Math.min(cacheBytes, 4L * samples * perSample);
      long needed = held + cached + 3 * Batches.RUN_BYTES;
      if (needed > heap) {
        throw new UserError(
            "layer "
                + layer.name()
                + " needs about "
                + (needed >> 20)
                + " MiB of Java heap for the calibration samples and its cached activations, more"
                + " than the "
                + (heap >> 20)
                + " MiB there are; lower --cache-mb (its activations beyond it spill to disk) or"
                + " give Java more heap (ADAROUND_JAVA_OPTS=-Xmx...)");
      }
    }
  }

  /** The float32 values of one sample of {@code tensor}, or 0 when the graph does not say. */
  private static long floats(Graph graph, String tensor) {
    String name = tensor.contains(":") ? tensor : tensor + ":0";
    int colon = name.lastIndexOf(':');
    GraphOperation op = graph.operation(name.substring(0, colon));
    if (op == null) {
      return 0;
    }
    Shape shape = op.output(Integer.parseInt(name.substring(colon + 1))).shape();
    if (shape.isUnknown() || shape.numDimensions() < 1) {
      return 0;
    }
    long size = 1;
    for (int i = 1; i < shape.numDimensions(); i++) {
      if (shape.get(i) < 0) {
        return 0;
      }
      size = Math.multiplyExact(size, shape.get(i));
    }
    return size;
  }
}
