package io.github.adaround.quadratic;

import io.github.adaround.tf.TensorData;
import io.github.adaround.train.LayerFunction;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;

/**
 * Sums a layer's {@link GramStatistics} over chunks of samples, each chunk one run of a {@link
 * GramChunkGraph} in its own graph, the sums kept in float64. Chunks are added in order, so the
 * same chunks give the same bits.
 */
public final class GramAccumulator implements AutoCloseable {

  private final PatchLayout layout;
  private final Graph graph;
  private final Session session;
  private final GramChunkGraph chunk;
  private final double[] gram;
  private final double[] cross;
  private double residual;
  private long rows;

  /**
   * @param linear the layer up to its bias, without its activation
   * @param weight the FP weight, in the layer's layout
   * @param inputSample one input sample's shape (no batch axis)
   * @param targetSample one pre-activation output sample's shape
   */
  public GramAccumulator(
      PatchLayout layout,
      LayerFunction linear,
      float[] weight,
      Shape weightShape,
      Shape inputSample,
      Shape targetSample) {
    this.layout = layout;
    this.graph = new Graph();
    this.session = new Session(graph);
    Ops tf = Ops.create(graph);
    this.chunk =
        new GramChunkGraph(
            graph,
            layout,
            linear,
            tf.constant(weightShape, DataBuffers.of(weight, true, false)),
            inputSample,
            targetSample);
    long depth = layout.depth();
    this.gram = new double[Math.toIntExact(layout.groups() * depth * depth)];
    this.cross = new double[Math.toIntExact(layout.groups() * depth * layout.width())];
  }

  /** Adds the samples of one chunk: their layer inputs and pre-activation FP outputs. */
  public void add(TFloat32 inputs, TFloat32 targets) {
    try (Result r =
        session
            .runner()
            .feed(chunk.input, inputs)
            .feed(chunk.target, targets)
            .fetch(chunk.gram)
            .fetch(chunk.cross)
            .fetch(chunk.residual)
            .fetch(chunk.rows)
            .run()) {
      addTo(gram, TensorData.floats(r.get(0)));
      addTo(cross, TensorData.floats(r.get(1)));
      residual += ((TFloat64) r.get(2)).getDouble();
      rows += ((TInt32) r.get(3)).getInt();
    }
  }

  private static void addTo(double[] sum, float[] values) {
    for (int i = 0; i < sum.length; i++) {
      sum[i] += values[i];
    }
  }

  /** The sums over every chunk added so far. */
  public GramStatistics result() {
    return new GramStatistics(layout, narrow(gram), narrow(cross), residual, rows);
  }

  private static float[] narrow(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
