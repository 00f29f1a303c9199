package io.github.adaround.demo;

import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A second way to run {@link FashionCnn}, for tests: weights as graph constants, no variables, no
 * SavedModel.
 */
final class DirectForward {
  private DirectForward() {}

  /** The logits of {@code n} images, row-major {@code [n, 10]}. */
  static float[] logits(ModelParameters weights, float[] pixels, int n) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Map<String, Operand<TFloat32>> constants = new LinkedHashMap<>();
      for (Parameter p : weights.parameters()) {
        constants.put(
            p.name(),
            tf.constant(p.shape(), DataBuffers.of(weights.values(p.name()), true, false)));
      }
      Placeholder<TFloat32> input = tf.placeholder(TFloat32.class);
      Operand<TFloat32> logits = FashionCnn.logits(new LayerScopes(tf), input, constants);
      float[] out = new float[n * FashionCnn.CLASSES];
      try (TFloat32 images =
              TFloat32.tensorOf(Shape.of(n, 28, 28, 1), DataBuffers.of(pixels, true, false));
          var result = session.runner().feed(input, images).fetch(logits).run()) {
        ((TFloat32) result.get(0)).copyTo(DataBuffers.of(out, false, false));
      }
      return out;
    }
  }

  /** The top-1 class of each of {@code n} images. */
  static int[] predict(ModelParameters weights, float[] pixels, int n) {
    float[] logits = logits(weights, pixels, n);
    int[] classes = new int[n];
    for (int i = 0; i < n; i++) {
      for (int k = 1; k < FashionCnn.CLASSES; k++) {
        if (logits[i * FashionCnn.CLASSES + k] > logits[i * FashionCnn.CLASSES + classes[i]]) {
          classes[i] = k;
        }
      }
    }
    return classes;
  }

  /** The weights stored in a SavedModel of {@link FashionCnn}, read from its variables. */
  static ModelParameters weightsOf(SavedModelBundle bundle) {
    Session.Runner runner = bundle.session().runner();
    FashionCnn.PARAMETERS.forEach(p -> runner.fetch(p.name()));
    Map<String, float[]> values = new LinkedHashMap<>();
    try (var result = runner.run()) {
      for (int i = 0; i < FashionCnn.PARAMETERS.size(); i++) {
        Parameter p = FashionCnn.PARAMETERS.get(i);
        float[] v = new float[p.size()];
        ((TFloat32) result.get(i)).copyTo(DataBuffers.of(v, false, false));
        values.put(p.name(), v);
      }
    }
    return new ModelParameters(FashionCnn.PARAMETERS, values);
  }
}
