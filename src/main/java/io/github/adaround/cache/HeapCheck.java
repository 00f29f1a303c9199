package io.github.adaround.cache;

import io.github.adaround.error.UserError;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.Batches;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.ndarray.Shape;

/**
 * Checks, before a run starts, that the Java heap holds what a layer keeps in it: the part of its
 * cached activations that {@code --cache-mb} keeps in memory (the rest spills to disk), which may
 * briefly be held twice while its array grows, and a few runs' worth of fetched values ({@link
 * Batches#RUN_BYTES} each). Everything else that grows with samples x activation size is chunked.
 */
public final class HeapCheck {

  private HeapCheck() {}

  /**
   * @param samples the calibration and held-back samples together
   * @param cacheBytes the cache budget of one layer ({@code --cache-mb})
   * @throws UserError naming the layer, the heap it needs and the option that lowers it
   */
  public static void check(
      ModelSession fp, List<QuantizableLayer> layers, int samples, long cacheBytes) {
    long heap = Runtime.getRuntime().maxMemory();
    for (QuantizableLayer layer : layers) {
      long perSample = floats(fp.graph(), layer.input()) + floats(fp.graph(), layer.output());
      if (perSample <= 0) {
        continue;
      }
      long cached = Math.min(cacheBytes, 4L * samples * perSample);
      long needed = cached + cached / 2 + 3 * Batches.RUN_BYTES;
      if (needed > heap) {
        throw new UserError(
            "layer "
                + layer.name()
                + " needs about "
                + (needed >> 20)
                + " MiB of Java heap for its cached activations, more than the "
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
