package io.github.adaround.bench;

import io.github.adaround.tf.TensorData;
import io.github.adaround.train.SampleSet;
import java.util.SplittableRandom;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The fixed weight and calibration samples of a {@link BenchCase}, the same for every timing. */
final class BenchSamples {

  private BenchSamples() {}

  /** Normal values of standard deviation 0.1, in the weight's layout. */
  static float[] weight(BenchCase c) {
    return normal(c.weightShape().size(), 0.1f, 1);
  }

  /** {@value StepBenchmark#CALIBRATION_SAMPLES} standard-normal input samples. */
  static SampleSet inputs(BenchCase c) {
    return new SampleSet(
        normal(StepBenchmark.CALIBRATION_SAMPLES * c.inputSample().size(), 1f, 2), c.inputSample());
  }

  /** The case's layer without its ReLU on {@code x}, with {@code weight}. */
  static TFloat32 linearOutputs(BenchCase c, float[] weight, TFloat32 x) {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> input = tf.placeholder(TFloat32.class);
      Operand<TFloat32> y =
          c.linear()
              .apply(tf, input, tf.constant(c.weightShape(), DataBuffers.of(weight, true, false)));
      try (Result r = session.runner().feed(input, x).fetch(y).run()) {
        return TensorData.floats(r.get(0).shape(), TensorData.floats(r.get(0)));
      }
    }
  }

  private static float[] normal(long n, float sd, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[Math.toIntExact(n)];
    for (int i = 0; i < values.length; i++) {
      // Box-Muller: the generator has no Gaussian draw of its own.
      double u = 1 - random.nextDouble();
      values[i] =
          (float) (sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
    }
    return values;
  }
}
