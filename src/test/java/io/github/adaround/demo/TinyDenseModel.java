package io.github.adaround.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A SavedModel {@code y = x W}, input {@code x} float32 {@code [-1, 4]}, with the weight {@code
 * dense/kernel} (4x2) given; or, without weights, {@code y = x + 1} (nothing to quantize).
 */
public final class TinyDenseModel {

  private TinyDenseModel() {}

  /** Exports the model to {@code folder} and returns it. */
  public static Path export(Path folder, float[] weights) {
    return export(folder, weights, -1);
  }

  /** Exports the model with input {@code x} of {@code [batch, 4]} ({@code -1}: any). */
  public static Path export(Path folder, float[] weights, long batch) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, 4)));
      Operand<TFloat32> y;
      if (weights == null) {
        y = tf.withName("y").math.add(x, tf.constant(1f));
      } else {
        Operand<TFloat32> w =
            tf.withSubScope("dense")
                .withName("kernel")
                .variable(tf.constant(Shape.of(4, 2), DataBuffers.of(weights, true, false)));
        y = tf.withName("y").linalg.matMul(x, w);
      }
      session.initialize();
      SavedModelBundle.exporter(folder.toString())
          .withSession(session)
          .withSignature(Signature.builder("serving_default").input("x", x).output("y", y).build())
          .export();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return folder;
  }
}
