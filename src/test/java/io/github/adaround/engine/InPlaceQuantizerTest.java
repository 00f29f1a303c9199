package io.github.adaround.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.data.Calibration;
import io.github.adaround.data.CalibrationInput;
import io.github.adaround.error.UserError;
import io.github.adaround.export.LayerReport;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundRecipe;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** The README's Java API example: a live TF-Java graph quantized in its own session. */
class InPlaceQuantizerTest {

  /**
   * Two inputs, one of any length along its second axis: samples of each, named by their ops, with
   * the concrete shape of the variable axis; an unnamed set of samples is refused.
   */
  @Test
  void aGraphOfTwoInputsIsQuantizedFromNamedSamples() {
    Random random = new Random(6);
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> a =
          tf.withName("a").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 6)));
      Placeholder<TFloat32> b =
          tf.withName("b").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, -1, 3)));
      Variable<TFloat32> ka = tf.withName("ka").variable(init(tf, random, 6, 4));
      Variable<TFloat32> kb = tf.withName("kb").variable(init(tf, random, 3, 4));
      Operand<TFloat32> pooled = tf.math.mean(b, tf.constant(1));
      Operand<TFloat32> y = tf.math.add(tf.linalg.matMul(a, ka), tf.linalg.matMul(pooled, kb));
      session.initialize();
      Calibration calibration =
          new Calibration(
              List.of(
                  new CalibrationInput(
                      "b", new long[] {5, 3}, gaussian(random, 64 * 15), new float[0]),
                  new CalibrationInput(null, null, gaussian(random, 64 * 6), new float[0])),
              64,
              0);
      InPlaceQuantizer quantizer =
          new InPlaceQuantizer(
              QuantizeConfig.DEFAULT.toBuilder()
                  .recipe(AdaroundRecipe.PAPER.withIterations(20))
                  .build());
      UserError unnamed =
          assertThrows(
              UserError.class,
              () -> quantizer.quantize(graph, session, List.of(a, b), List.of(y), calibration));
      assertEquals(
          "the model has 2 inputs (a [-1, 6], b [-1, -1, 3]): give the samples of each by its name",
          unnamed.getMessage());

      List<LayerReport> layers =
          quantizer.quantize(
              graph,
              session,
              List.of(a, b),
              List.of(y),
              new Calibration(
                  List.of(
                      calibration.inputs().get(0),
                      new CalibrationInput(
                          "a", null, calibration.inputs().get(1).samples(), new float[0])),
                  64,
                  0));
      assertEquals(
          List.of("ka", "kb"), layers.stream().map(r -> r.layer().weight()).sorted().toList());
    }
  }

  @Test
  void aGraphBuiltInJavaIsQuantizedInItsOwnSessionAsTheReadmeShows() {
    Random random = new Random(5);
    float[] samples = gaussian(random, 256 * 16);
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      // As in the README: a model built (or trained) in TF-Java.
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 16)));
      Variable<TFloat32> kernel = tf.withName("dense_kernel").variable(init(tf, random, 16, 32));
      Variable<TFloat32> bias = tf.withName("dense_bias").variable(init(tf, random, 32));
      Variable<TFloat32> head = tf.withName("logits_kernel").variable(init(tf, random, 32, 4));
      Operand<TFloat32> hidden = tf.nn.relu(tf.nn.biasAdd(tf.linalg.matMul(x, kernel), bias));
      Operand<TFloat32> logits = tf.linalg.matMul(hidden, head);
      session.initialize();
      float[] before = fetch(session, kernel);
      float[] fpLogits = run(session, x, logits, samples);

      List<LayerReport> layers =
          new InPlaceQuantizer(
                  QuantizeConfig.DEFAULT.toBuilder()
                      .perChannel(true)
                      .recipe(AdaroundRecipe.PAPER.withIterations(200))
                      .build())
              .quantize(graph, session, x, List.of(logits), Calibration.of(samples, 256));

      assertEquals(
          List.of("dense_kernel", "logits_kernel"),
          layers.stream().map(r -> r.layer().weight()).toList());
      for (LayerReport layer : layers) {
        float[] w = fetch(session, graph.operationOrThrow(layer.layer().weight()).output(0));
        int channels = layer.grid().scale().length;
        for (int i = 0; i < w.length; i++) {
          float scale = layer.grid().scale()[i % channels];
          int k = Math.round(w[i] / scale);
          assertTrue(k >= -8 && k <= 7, layer.layer().weight() + "[" + i + "] on the 4-bit grid");
          assertEquals(
              k * scale, w[i], 0f, layer.layer().weight() + "[" + i + "] exactly k * scale");
        }
      }
      assertFalse(Arrays.equals(before, fetch(session, kernel)), "the session's weights changed");
      float[] quantized = run(session, x, logits, samples);
      double error = 0;
      double energy = 0;
      for (int i = 0; i < quantized.length; i++) {
        error += Math.pow(quantized[i] - fpLogits[i], 2);
        energy += Math.pow(fpLogits[i], 2);
      }
      assertTrue(error < 0.05 * energy, "the quantized graph stays close: " + error / energy);
    }
  }

  /** A loaded SavedModel is quantized in its own session; the folder it came from is not. */
  @Test
  void aLoadedSavedModelBundleIsQuantizedInItsSession() {
    Path folder = Path.of("models", "fashion-mnist-cnn");
    float[] samples = gaussian(new Random(9), 64 * 784);
    for (int i = 0; i < samples.length; i++) {
      samples[i] = Math.abs(samples[i]) / 3;
    }
    try (SavedModelBundle bundle = SavedModelBundle.load(folder.toString(), "serve");
        SavedModelBundle untouched = SavedModelBundle.load(folder.toString(), "serve")) {
      Operand<?> input = bundle.graph().operationOrThrow("input").output(0);
      Operand<?> logits = bundle.graph().operationOrThrow("logits/BiasAdd").output(0);

      List<LayerReport> layers =
          new InPlaceQuantizer(
                  QuantizeConfig.DEFAULT.toBuilder()
                      .recipe(AdaroundRecipe.PAPER.withIterations(5))
                      .build())
              .quantize(bundle, input, List.of(logits), Calibration.of(samples, 64));

      assertEquals(5, layers.size());
      LayerReport conv1 = layers.get(0);
      float[] w =
          fetch(bundle.session(), bundle.graph().operationOrThrow("conv1/kernel").output(0));
      for (float v : w) {
        assertEquals(Math.round(v / conv1.grid().scale()[0]) * conv1.grid().scale()[0], v, 0f);
      }
      float[] original =
          fetch(untouched.session(), untouched.graph().operationOrThrow("conv1/kernel").output(0));
      assertFalse(Arrays.equals(original, w), "the bundle's session holds the hardened weight");
    }
  }

  @Test
  void samplesOfTheWrongShapeAreRefused() {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Variable<TFloat32> kernel = tf.variable(init(tf, new Random(1), 4, 2));
      Operand<TFloat32> y = tf.linalg.matMul(x, kernel);
      session.initialize();

      UserError e =
          assertThrows(
              UserError.class,
              () ->
                  new InPlaceQuantizer(QuantizeConfig.DEFAULT)
                      .quantize(graph, session, x, List.of(y), Calibration.of(new float[10], 2)));
      assertEquals("calibration data must be whole samples of shape [4]", e.getMessage());
    }
  }

  private static Operand<TFloat32> init(Ops tf, Random random, long... dims) {
    float[] values = gaussian(random, Math.toIntExact(Shape.of(dims).size()));
    for (int i = 0; i < values.length; i++) {
      values[i] *= 0.3f;
    }
    return tf.constant(Shape.of(dims), DataBuffers.of(values, true, false));
  }

  private static float[] gaussian(Random random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }

  private static float[] fetch(Session session, Operand<?> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  private static float[] run(
      Session session, Operand<TFloat32> x, Operand<TFloat32> y, float[] samples) {
    try (TFloat32 in = TensorData.floats(Shape.of(samples.length / 16, 16), samples);
        Result r = session.runner().feed(x, in).fetch(y).run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
