package io.github.adaround.rebuild;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.graph.BatchNorm;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.graph.Tf1StyleModel;
import io.github.adaround.kws.KeywordSpotter;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import io.github.adaround.tf.TensorData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A layer followed by an inference batch norm is rebuilt through the batch norm and the activation
 * after it: the rebuilt layer, given the layer's input and FP weight, computes what the model
 * computes at the layer's target tensor, in each form the batch norm takes, and without the batch
 * norm it would not; so does the layer with the batch norm folded into its weight and bias ({@code
 * w' = w * a}, {@code b' = b * a + c} per output channel).
 */
class BatchNormInLossTest {

  @Test
  void fusedBatchNormV1OfTheFrozenKeywordSpotter() throws Exception {
    try (ModelSource kws =
        ModelSources.openFrozen(
            KeywordSpotter.GRAPH,
            KeywordSpotter.FEATURES,
            List.of(KeywordSpotter.SCORES),
            null,
            Set.of())) {
      List<QuantizableLayer> layers = LayerInspector.inspect(kws.graph(), kws.outputTensors());
      assertEquals(10, layers.size());
      for (QuantizableLayer layer : layers.subList(0, 9)) {
        assertEquals(BatchNorm.Form.FUSED, layer.batchNorm().form(), layer.name());
        assertEquals("Relu", layer.activation(), layer.name());
        assertRebuiltThroughBatchNorm(kws.graph(), kws.session(), kws.inputTensor(), layer, 4);
      }
      assertEquals(null, layers.get(9).batchNorm(), "the head has none");
    }
  }

  @Test
  void fusedBatchNormV3OfAFlatSavedModel(@TempDir Path dir) throws Exception {
    Path model = Tf1StyleModel.export(dir.resolve("tf1"));
    try (ModelSource source = ModelSources.open(model, "serving_default", Set.of())) {
      QuantizableLayer first =
          LayerInspector.inspect(source.graph(), source.outputTensors()).get(0);
      assertEquals(
          "FusedBatchNormV3",
          source.graph().operationOrThrow(first.batchNorm().ops().get(0)).type());
      assertRebuiltThroughBatchNorm(
          source.graph(), source.session(), source.inputTensor(), first, 8);
    }
  }

  /** Keras 3's {@code x * inv + (beta - mean * inv)}, {@code inv = rsqrt(var + eps) * gamma}. */
  @Test
  void mulAddRsqrtFormOfKeras3() {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Random random = new Random(3);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 6, 6, 2)));
      Operand<TFloat32> conv =
          tf.nn.conv2d(x, variable(tf, "kernel", random, 0, 3, 3, 2, 4), ones(4), "SAME");
      Operand<TFloat32> bias =
          tf.reshape(variable(tf, "bias", random, 0, 4), tf.constant(new int[] {1, 1, 1, 4}));
      Operand<TFloat32> y = tf.withName("bias_add").math.add(conv, bias);
      Operand<TFloat32> inv =
          tf.math.mul(
              tf.math.rsqrt(
                  tf.math.add(variable(tf, "variance", random, 1, 4), tf.constant(1e-3f))),
              variable(tf, "gamma", random, 1, 4));
      Operand<TFloat32> shift =
          tf.math.sub(
              variable(tf, "beta", random, 0, 4),
              tf.math.mul(variable(tf, "mean", random, 0, 4), inv));
      Operand<TFloat32> normed = tf.withName("bn_add").math.add(tf.math.mul(y, inv), shift);
      Operand<TFloat32> out = tf.withName("out").nn.relu(normed);
      session.initialize();

      QuantizableLayer layer = LayerInspector.inspect(graph, List.of("out:0")).get(0);

      assertEquals("bias", layer.bias());
      assertEquals(BatchNorm.Form.MUL_ADD, layer.batchNorm().form());
      assertEquals("bn_add:0", layer.batchNorm().output());
      assertEquals("Relu", layer.activation());
      assertEquals("out:0", layer.output());
      assertRebuiltThroughBatchNorm(graph, session, "x:0", layer, 5);
    }
  }

  /**
   * Runs the graph on {@code n} random inputs, rebuilds the layer with its FP weight, and checks
   * that its output matches the graph's target tensor to float rounding, and that the same layer
   * without its batch norm is far from it.
   */
  private static void assertRebuiltThroughBatchNorm(
      Graph model, Session session, String input, QuantizableLayer layer, int n) {
    long[] inputDims = model.operationOrThrow(input.split(":")[0]).output(0).shape().asArray();
    Shape sample = Shape.of(Arrays.copyOfRange(inputDims, 1, inputDims.length));
    float[] fed = new float[Math.toIntExact(n * sample.size())];
    Random random = new Random(7);
    for (int i = 0; i < fed.length; i++) {
      fed[i] = (float) random.nextGaussian();
    }
    float[] layerInput;
    float[] target;
    float[] weight;
    Shape inputShape;
    boolean first = layer.input().equals(input);
    try (TFloat32 x = TensorData.floats(Shape.of(n).append(sample), fed)) {
      Session.Runner runner =
          session.runner().feed(input, x).fetch(layer.output()).fetch(layer.weight());
      if (!first) {
        runner.fetch(layer.input());
      }
      try (Result r = runner.run()) {
        target = TensorData.floats(r.get(0));
        weight = TensorData.floats(r.get(1));
        layerInput = first ? fed : TensorData.floats(r.get(2));
        inputShape = first ? x.shape() : r.get(2).shape();
      }
    }
    float[] bias = layer.bias() == null ? null : fetch(session, layer.bias());
    var op = model.operationOrThrow(layer.name());
    int channels = LayerRebuilder.channels(op, layer.shape());
    BatchNormValues bn = BatchNormValues.of(session, layer.batchNorm(), channels, layer.name());
    float[] rebuilt =
        run(LayerRebuilder.rebuild(op, layer, bias, bn), inputShape, layerInput, layer, weight);
    float[] withoutBatchNorm =
        run(LayerRebuilder.rebuild(op, layer, bias, null), inputShape, layerInput, layer, weight);
    BatchNormFolding.Folded folded = BatchNormFolding.fold(op, layer.shape(), weight, bias, bn);
    float[] foldedOutput =
        run(
            LayerRebuilder.rebuild(op, layer, folded.bias(), null),
            inputShape,
            layerInput,
            layer,
            folded.weight());
    double scale = 0;
    for (float t : target) {
      scale = Math.max(scale, Math.abs(t));
    }
    assertTrue(scale > 0, layer.name() + ": a target that is not all zero");
    assertEquals(target.length, rebuilt.length);
    double worst = 0;
    double worstFolded = 0;
    double without = 0;
    for (int i = 0; i < target.length; i++) {
      worst = Math.max(worst, Math.abs(rebuilt[i] - target[i]));
      worstFolded = Math.max(worstFolded, Math.abs(foldedOutput[i] - target[i]));
      without = Math.max(without, Math.abs(withoutBatchNorm[i] - target[i]));
    }
    assertTrue(worst <= 1e-5 * scale, layer.name() + ": off by " + worst + " of " + scale);
    assertTrue(without > 1e-2 * scale, layer.name() + ": the batch norm changes the output");
    assertTrue(
        worstFolded <= 1e-5 * scale,
        layer.name() + ": folded into w' and b', off by " + worstFolded + " of " + scale);
  }

  private static float[] run(
      io.github.adaround.train.LayerFunction function,
      Shape inputShape,
      float[] input,
      QuantizableLayer layer,
      float[] weight) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> w =
          tf.constant(Shape.of(layer.shape()), DataBuffers.of(weight, true, false));
      Operand<TFloat32> y = function.apply(tf, x, w);
      try (TFloat32 in = TensorData.floats(inputShape, input);
          Result r = s.runner().feed(x, in).fetch(y).run()) {
        return TensorData.floats(r.get(0));
      }
    }
  }

  private static float[] fetch(Session session, String variable) {
    try (Result r = session.runner().fetch(variable).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  private static List<Long> ones(int n) {
    return java.util.Collections.nCopies(n, 1L);
  }

  /** A VariableV2 of random values around {@code mean} (variances and scales near 1). */
  private static Operand<TFloat32> variable(
      Ops tf, String name, Random random, float mean, long... dims) {
    float[] values = new float[Math.toIntExact(Shape.of(dims).size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = mean + (float) random.nextGaussian() * (mean == 0 ? 0.5f : 0.2f);
    }
    return tf.withName(name)
        .variable(tf.constant(Shape.of(dims), DataBuffers.of(values, true, false)));
  }
}
