package io.github.adaround.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.block.BlockModels.Model;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.tf.TensorData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.random.RandomUniform;
import org.tensorflow.types.TFloat32;

/** What {@link SubgraphCopy} copies, what it replaces, and what it refuses. */
class SubgraphCopyTest {
  private static final Map<String, Shape> IMAGES = Map.of(Model.INPUT, Shape.of(-1, 8, 8, 3));

  /**
   * The first block of the chain (conv, bias, ReLU) with its kernel replaced by zeros computes
   * ReLU(bias) at every pixel: the copy reads the replacement, and the bias as the model holds it.
   */
  @Test
  void theCopyReadsTheReplacementInsteadOfTheWeight() {
    try (Model model = BlockModels.chain();
        Graph target = new Graph();
        Session session = new Session(target)) {
      Block first = Blocks.of(model.graph(), List.of(Model.INPUT), List.of(Model.OUTPUT)).get(0);
      Ops tf = Ops.create(target);
      Placeholder<TFloat32> x = tf.withName("in").placeholder(TFloat32.class);
      Operand<TFloat32> zeros = tf.zeros(tf.constant(new int[] {3, 3, 3, 4}), TFloat32.class);
      Output<?> out =
          new SubgraphCopy(model.graph(), model.session())
              .copy(
                  tf,
                  Map.of(Model.INPUT, x),
                  first.output(),
                  Map.of(first.layers().get(0).weight(), zeros));

      float[] bias = BlockReplay.read(model.session(), first.layers().get(0).bias());
      float[] got =
          BlockReplay.run(
                  target,
                  session,
                  Map.of("in:0", BlockReplay.randomInputs(IMAGES, 6).get(Model.INPUT)),
                  List.of(out.op().name() + ":0"))
              .values()
              .iterator()
              .next()[1];
      for (int i = 0; i < got.length; i++) {
        assertEquals(Math.max(bias[i % 4], 0f), got[i], 0f);
      }
    }
  }

  /**
   * TF's autodiff goes through the copy: the gradient of a block's output with respect to a
   * variable standing in for its weights (as AdaRound's V will) exists and is not zero.
   */
  @Test
  void gradientsReachTheReplacementThroughTheCopy() {
    try (Model model = BlockModels.invertedResidual();
        Graph target = new Graph();
        Session session = new Session(target)) {
      Block middle = Blocks.of(model.graph(), List.of(Model.INPUT), List.of(Model.OUTPUT)).get(1);
      Ops tf = Ops.create(target);
      Placeholder<TFloat32> x = tf.withName("in").placeholder(TFloat32.class);
      Map<String, Operand<TFloat32>> weights = new HashMap<>();
      List<Output<?>> variables = new ArrayList<>();
      for (QuantizableLayer layer : middle.layers()) {
        Shape shape = Shape.of(layer.shape());
        Operand<TFloat32> v =
            tf.variable(
                tf.constant(
                    shape,
                    DataBuffers.of(
                        BlockReplay.read(model.session(), layer.weight()), true, false)));
        weights.put(layer.weight(), v);
        variables.add(v.asOutput());
      }
      @SuppressWarnings("unchecked")
      Output<TFloat32> out =
          (Output<TFloat32>)
              new SubgraphCopy(model.graph(), model.session())
                  .copy(tf, Map.of(middle.inputs().get(0), x), middle.output(), weights);
      Operand<TFloat32> loss = tf.math.square(tf.sum(out, tf.constant(new int[] {0, 1})));
      Output<?>[] gradients =
          target.addGradients(loss.asOutput(), variables.toArray(Output[]::new));
      session.initialize();
      Session.Runner runner =
          session
              .runner()
              .feed(
                  x,
                  TensorData.floats(
                      Shape.of(2, 8, 8, 4),
                      BlockReplay.randomInputs(Map.of("in", Shape.of(2, 8, 8, 4)), 8)
                          .get("in")[1]));
      for (Output<?> g : gradients) {
        runner.fetch(g);
      }
      try (Result result = runner.run()) {
        for (int i = 0; i < gradients.length; i++) {
          float[] g = TensorData.floats(result.get(i));
          float norm = 0;
          for (float v : g) {
            norm += Math.abs(v);
          }
          assertTrue(norm > 0, "gradient of " + middle.layers().get(i).weight());
        }
      }
    }
  }

  /** Variables are copied in as their values: the copy runs after the model is closed. */
  @Test
  void theCopyDoesNotNeedTheModelsSession() {
    Map<String, float[][]> inputs = BlockReplay.randomInputs(IMAGES, 7);
    float[] expected;
    try (Graph target = new Graph();
        Session session = new Session(target)) {
      Ops tf = Ops.create(target);
      Placeholder<TFloat32> x = tf.withName("in").placeholder(TFloat32.class);
      Output<?> out;
      try (Model model = BlockModels.residual()) {
        expected =
            BlockReplay.run(model.graph(), model.session(), inputs, List.of(Model.OUTPUT))
                .get(Model.OUTPUT)[1];
        out =
            new SubgraphCopy(model.graph(), model.session())
                .copy(tf, Map.of(Model.INPUT, x), Model.OUTPUT, Map.of());
      }
      float[] got =
          BlockReplay.run(
                  target,
                  session,
                  Map.of("in:0", inputs.get(Model.INPUT)),
                  List.of(out.op().name() + ":0"))
              .values()
              .iterator()
              .next()[1];
      assertArrayEquals(expected, got, 0f);
    }
  }

  /** A placeholder on the way that is not an input cannot be copied: it is named. */
  @Test
  void aPlaceholderThatIsNotAnInputIsRefused() {
    try (Model model = BlockModels.chain();
        Graph target = new Graph()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new SubgraphCopy(model.graph(), model.session())
                      .copy(Ops.create(target), Map.of(), Model.OUTPUT, Map.of()));
      assertEquals("cannot copy placeholder 'x': it is not among the inputs", e.getMessage());
    }
  }

  /** A stateful op (here a random one) cannot be copied meaningfully: it is named. */
  @Test
  void aStatefulOpIsRefused() {
    try (Graph graph = new Graph();
        Session session = new Session(graph);
        Graph target = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(2)));
      tf.withName("y")
          .math
          .add(
              x,
              tf.withName("noise")
                  .random
                  .randomUniform(
                      tf.constant(new int[] {2}), TFloat32.class, RandomUniform.seed(1L)));
      Ops into = Ops.create(target);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new SubgraphCopy(graph, session)
                      .copy(
                          into, Map.of("x:0", into.placeholder(TFloat32.class)), "y:0", Map.of()));
      assertEquals(
          "cannot copy op 'noise' (RandomUniform): stateful ops other than variable reads are not"
              + " copied",
          e.getMessage());
    }
  }
}
