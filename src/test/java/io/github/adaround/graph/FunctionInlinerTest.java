package io.github.adaround.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.TensorData;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * Inlining a TF2-style graph (resource variables passed to nested function calls, a shared weight,
 * a multi-output op inside a body) gives a flat graph that computes the same, bit for bit, and in
 * which the layers inside the functions are found and fetchable.
 */
class FunctionInlinerTest {

  private static final String OUT = FunctionModel.OUTPUT + ":0";

  @Test
  void theFlatGraphComputesWhatTheCallsComputeBitForBit() {
    try (FunctionModel model = new FunctionModel(-1);
        Graph flat = new Graph();
        Session session = new Session(flat);
        TFloat32 x = samples(6)) {
      assertFalse(model.callNodes().isEmpty(), "the fixture calls functions");
      GraphDef inlined =
          FunctionInliner.inline(model.graph.toGraphDef(), List.of(FunctionModel.OUTPUT));
      assertTrue(
          inlined.getNodeList().stream().noneMatch(n -> n.getOp().endsWith("PartitionedCall")),
          "no call is left");
      flat.importGraphDef(inlined);
      FunctionModel.assignWeights(flat, session);

      try (Result original = model.session.runner().feed(FunctionModel.INPUT, x).fetch(OUT).run();
          Result inlinedRun = session.runner().feed(FunctionModel.INPUT, x).fetch(OUT).run()) {
        assertEquals(Shape.of(6, 3), original.get(0).shape());
        assertArrayEquals(
            TensorData.floats(original.get(0)), TensorData.floats(inlinedRun.get(0)), 0f);
      }
    }
  }

  @Test
  void layersInsideTheFunctionsAreFoundWithTheOuterVariablesAsWeights() {
    try (FunctionModel model = new FunctionModel(-1);
        Graph flat = new Graph();
        Session session = new Session(flat);
        TFloat32 x = samples(5)) {
      flat.importGraphDef(
          FunctionInliner.inline(model.graph.toGraphDef(), List.of(FunctionModel.OUTPUT)));
      FunctionModel.assignWeights(flat, session);

      List<QuantizableLayer> layers = LayerInspector.inspect(flat, List.of(OUT));

      assertEquals(
          List.of("kernel", "head/kernel"), layers.stream().map(QuantizableLayer::weight).toList());
      QuantizableLayer shared = layers.get(0);
      assertEquals("Relu", shared.activation());
      assertEquals(1, shared.alsoReadBy().size(), "the second call of dense reads kernel too");
      assertTrue(shared.name().startsWith(FunctionModel.OUTPUT + "/"), shared.name());
      for (QuantizableLayer layer : layers) {
        try (Result r =
            session
                .runner()
                .feed(FunctionModel.INPUT, x)
                .fetch(layer.input())
                .fetch(layer.output())
                .run()) {
          assertEquals(5, r.get(0).shape().get(0), layer.input() + " can be fetched");
          assertEquals(5, r.get(1).shape().get(0), layer.output() + " can be fetched");
        }
      }
    }
  }

  private static TFloat32 samples(int n) {
    Random random = new Random(3);
    float[] values = new float[n * 4];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat() * 2 - 1;
    }
    return TensorData.floats(Shape.of(n, 4), values);
  }
}
