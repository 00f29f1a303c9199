package io.github.adaround.bench;

import io.github.adaround.tf.SessionThreads;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * The two products of a {@link BenchCase}'s step timed alone, as TF's kernels run them: the forward
 * product ({@code MatMul} or {@code Conv2D}) and the weight gradient that TF's autodiff builds for
 * it ({@code MatMul} with the input transposed, or {@code Conv2DBackpropFilter}), on random
 * operands of the case's shapes. Their sum is the least a step can take with these kernels.
 */
final class ProductKernels {

  private static final List<Long> UNIT_STRIDES = List.of(1L, 1L, 1L, 1L);

  private final SessionThreads threads;
  private final int warmUp;
  private final int units;
  private final int repeats;

  /**
   * @param warmUp untimed runs before the first repeat
   * @param units runs per timed repeat
   * @param repeats timed repeats, of which the median is taken
   */
  public ProductKernels(SessionThreads threads, int warmUp, int units, int repeats) {
    this.threads = threads;
    this.warmUp = warmUp;
    this.units = units;
    this.repeats = repeats;
  }

  /** Median milliseconds of the forward product and of the weight gradient of {@code c}. */
  public KernelTimes measure(BenchCase c) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Shape input = Shape.of(c.batch()).append(c.inputSample());
      Shape output = Shape.of(c.batch()).append(c.outputSample());
      Operand<TFloat32> x = BenchOperands.uniform(tf, input, 1);
      Operand<TFloat32> w = BenchOperands.uniform(tf, c.weightShape(), 2);
      Operand<TFloat32> dy = BenchOperands.uniform(tf, output, 3);
      Operand<TFloat32> forward;
      Operand<TFloat32> weightGradient;
      if (c.conv()) {
        forward = tf.nn.conv2d(x, w, UNIT_STRIDES, "SAME");
        weightGradient = tf.nn.conv2dBackpropFilter(x, tf.shape(w), dy, UNIT_STRIDES, "SAME");
      } else {
        forward = tf.linalg.matMul(x, w);
        weightGradient = tf.linalg.matMul(x, dy, MatMul.transposeA(true));
      }
      try (Session session = threads.open(graph)) {
        return new KernelTimes(time(session, forward), time(session, weightGradient));
      }
    }
  }

  private double time(Session session, Operand<TFloat32> product) {
    return Timing.medianMillisPerUnit(
        n -> {
          for (int i = 0; i < n; i++) {
            session.runner().addTarget(product).run().close();
          }
        },
        warmUp,
        units,
        repeats);
  }

  /**
   * @param forwardMs median milliseconds of the forward product
   * @param weightGradientMs median milliseconds of the weight gradient
   */
  public record KernelTimes(double forwardMs, double weightGradientMs) {}
}
