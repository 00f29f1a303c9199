package io.github.adaround.engine;

import io.github.adaround.activation.QDropInput;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundLayerGraph;
import io.github.adaround.train.Samples;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.types.TFloat32;

/**
 * Measures a layer's output error in its training graph: the mean squared difference between an
 * output and the FP targets over every sample, with every element of a QDrop input quantized when
 * there is one.
 */
final class OutputError {

  /** Samples per run, at most. */
  private static final int CHUNK = 256;

  /** Bytes of one run's inputs, targets and outputs together, at most (but one sample). */
  private static final long RUN_BYTES = 64L << 20;

  private final Session session;
  private final AdaroundLayerGraph training;
  private final QDropInput qdrop;

  /**
   * @param qdrop the layer's QDrop input, or null
   */
  OutputError(Session session, AdaroundLayerGraph training, QDropInput qdrop) {
    this.session = session;
    this.training = training;
    this.qdrop = qdrop;
  }

  /** The error of {@code output} on {@code inputs} against {@code targets}. */
  double of(Operand<TFloat32> output, Samples inputs, Samples targets) {
    double sum = 0;
    long count = 0;
    long perSample = 4 * (inputs.sampleShape().size() + 2 * targets.sampleShape().size());
    int chunk = (int) Math.max(1, Math.min(CHUNK, RUN_BYTES / perSample));
    for (int start = 0; start < inputs.count(); start += chunk) {
      int[] indices = new int[Math.min(chunk, inputs.count() - start)];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = start + i;
      }
      try (TFloat32 x = inputs.batch(indices);
          TFloat32 y = targets.batch(indices);
          TFloat32 all = TFloat32.scalarOf(1f);
          Result r = run(x, all, output)) {
        float[] out = TensorData.floats(r.get(0));
        float[] target = TensorData.floats(y);
        for (int i = 0; i < out.length; i++) {
          double d = (double) out[i] - target[i];
          sum += d * d;
        }
        count += out.length;
      }
    }
    return sum / count;
  }

  private Result run(TFloat32 x, TFloat32 all, Operand<TFloat32> output) {
    var runner = session.runner().feed(training.input(), x);
    if (qdrop != null) {
      runner.feed(qdrop.probability(), all);
    }
    return runner.fetch(output).run();
  }
}
