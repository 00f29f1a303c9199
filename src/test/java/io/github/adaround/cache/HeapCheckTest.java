package io.github.adaround.cache;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.data.Calibration;
import io.github.adaround.error.UserError;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.Batches;
import io.github.adaround.source.LiveGraph;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** Runs whose activations cannot fit the heap are refused before they start; runs are chunked. */
class HeapCheckTest {

  /**
   * A MatMul to a million outputs per sample: 2000 samples are 8 GB of outputs. With the whole
   * cache in memory that is more than the heap; with a small --cache-mb the rest spills to disk.
   */
  @Test
  void aCacheBeyondTheHeapIsRefusedBeforeTheRunWithTheFigureAndTheOption() {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<TFloat32> w =
          tf.withName("w")
              .variable(tf.zeros(tf.constant(new long[] {4, 1_000_000}), TFloat32.class));
      Operand<TFloat32> y = tf.withName("y").linalg.matMul(x, w);
      ModelSession model = new ModelSession(LiveGraph.of(graph, session, x, List.of(y)));
      List<QuantizableLayer> layers = LayerInspector.inspect(graph, model.outputNames());
      long heap = Runtime.getRuntime().maxMemory();
      Calibration samples = Calibration.of(new float[2000 * 4], 2000);

      UserError e =
          assertThrows(UserError.class, () -> HeapCheck.check(model, layers, samples, 4 * heap));
      assertTrue(e.getMessage().startsWith("layer y needs about "), e.getMessage());
      assertTrue(e.getMessage().contains("MiB of Java heap"), e.getMessage());
      assertTrue(e.getMessage().contains("lower --cache-mb"), e.getMessage());
      assertDoesNotThrow(() -> HeapCheck.check(model, layers, samples, 64L << 20));
      // A run that fills its cache fetches 16 samples (64 MiB / 4 MB), not 256.
      assertEquals(16, Batches.rowsFor(graph, Shape.of(-1, 4), List.of("y:0")));
    }
  }

  /** A batch of large activations holds fewer samples, down to one. */
  @Test
  void runsOfLargeActivationsHoldFewerSamples() {
    assertEquals(256, Batches.rowsWithin(28 * 28 + 28 * 28 * 32));
    assertEquals(1, Batches.rowsWithin(512L * 512 * 124));
    assertEquals(Batches.RUN_BYTES / (4 * 512 * 512 * 3), Batches.rowsWithin(512L * 512 * 3));
  }

  /**
   * The row bound of a run counts every input's sample: a second input of a million floats per
   * sample (4 MB) leaves 16 rows in 64 MiB, as a large fetched tensor does.
   */
  @Test
  void theRowBoundCountsEveryInput() {
    try (Graph graph = new Graph()) {
      assertEquals(256, Batches.rowsFor(graph, List.of(Shape.of(4)), List.of()));
      assertEquals(
          Batches.rowsWithin(4 + 1_000_000),
          Batches.rowsFor(graph, List.of(Shape.of(4), Shape.of(1000, 1000)), List.of()));
      assertEquals(
          16, Batches.rowsFor(graph, List.of(Shape.of(4), Shape.of(1000, 1000)), List.of()));
    }
  }
}
