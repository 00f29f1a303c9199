package io.github.adaround.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.adaround.error.ModelException;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Opening a model refuses, in one sentence, what the engine could not run. */
class ModelSourcesTest {

  /**
   * A signature whose outputs need a second placeholder it does not take (as a TF1 export whose
   * layer copies read another input) is refused before any run, instead of TF's "You must feed a
   * value".
   */
  @Test
  void aSignatureThatNeedsAnotherPlaceholderIsRefused(@TempDir Path dir) throws Exception {
    Path model = dir.resolve("model");
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      Placeholder<TFloat32> scale = tf.withName("input_1").placeholder(TFloat32.class);
      Variable<TFloat32> w =
          tf.withName("kernel").variable(tf.constant(new float[][] {{1f, 2f}, {3f, 4f}}));
      var y = tf.withName("y").math.mul(tf.linalg.matMul(x, w), scale);
      session.initialize();
      SavedModelBundle.exporter(model.toString())
          .withSession(session)
          .withSignature(Signature.builder("serving_default").input("x", x).output("y", y).build())
          .export();
    }

    ModelException e =
        assertThrows(
            ModelException.class, () -> ModelSources.open(model, "serving_default", Set.of()));
    assertEquals(
        model
            + ": signature 'serving_default' computes its outputs from placeholder 'input_1',"
            + " which it does not take as input",
        e.getMessage());
  }
}
