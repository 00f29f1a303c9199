package io.github.adaround.train;

import io.github.adaround.tf.ExactOps;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;

/**
 * One deterministic Adam step on V alone: TF's autodiff of the loss with respect to V, applied by
 * TF's {@code ApplyAdam} kernel. No other variable of the graph is read for update or changed.
 *
 * <pre>
 *   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2;   t = t + 1
 *   V = V - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)       (PyTorch's Adam)
 * </pre>
 *
 * {@code ApplyAdam} adds epsilon before the bias correction; feeding it {@code eps * sqrt(1 -
 * b2^t)} makes the two formulas equal. The powers {@code b1^t}, {@code b2^t} are updated only after
 * the kernel has run (control dependencies), so identical runs give identical bits; the framework's
 * {@code Adam.minimize} races there and trains every variable of the graph.
 *
 * <p>A second step shares the moments and the step count: {@link #warmStartStep()}, on the
 * reconstruction term alone, for the iterations where the regulariser is exactly 0. Its gradient is
 * the full loss's bit for bit there (the regulariser adds exact zeros), without the regulariser's
 * passes over V and their gradients.
 */
public final class VAdamStep {

  private final Operand<TFloat32> gradient;
  private final PlaceholderWithDefault<TFloat32> learningRate;
  private final Op step;
  private final Op warmStartStep;
  private final Op reset;

  private VAdamStep(
      Ops tf,
      Operand<TFloat32> loss,
      Operand<TFloat32> warmStartLoss,
      Variable<TFloat32> v,
      AdamConfig adam,
      float learningRate) {
    Shape shape = v.shape();
    this.gradient = tf.gradients(loss, List.of(v)).dy(0);
    this.learningRate =
        tf.withName("learning_rate")
            .placeholderWithDefault(tf.constant(learningRate), Shape.scalar());
    Variable<TFloat32> m = tf.withName("m").variable(shape, TFloat32.class);
    Variable<TFloat32> vv = tf.withName("v").variable(shape, TFloat32.class);
    Variable<TFloat32> beta1Power =
        tf.withName("beta1_power").variable(Shape.scalar(), TFloat32.class);
    Variable<TFloat32> beta2Power =
        tf.withName("beta2_power").variable(Shape.scalar(), TFloat32.class);
    Operand<TFloat32> beta1 = ExactOps.constant(tf, adam.beta1());
    Operand<TFloat32> beta2 = ExactOps.constant(tf, adam.beta2());
    Operand<TFloat32> one = ExactOps.constant(tf, 1f);
    Operand<TFloat32> epsilon =
        tf.math.mul(
            ExactOps.constant(tf, adam.epsilon()), tf.math.sqrt(tf.math.sub(one, beta2Power)));
    Moments moments = new Moments(v, m, vv, beta1Power, beta2Power, beta1, beta2, epsilon);
    this.step = apply(tf, moments, gradient, "step");
    this.warmStartStep =
        apply(tf, moments, tf.gradients(warmStartLoss, List.of(v)).dy(0), "warm_start_step");
    Operand<TFloat32> zeros = tf.zeros(tf.constant(toInts(shape)), TFloat32.class);
    this.reset =
        tf.withControlDependencies(
                List.of(
                    tf.assign(m, zeros),
                    tf.assign(vv, zeros),
                    tf.assign(beta1Power, beta1),
                    tf.assign(beta2Power, beta2)))
            .withName("reset")
            .noOp();
  }

  /** The variables and constants that every step of this optimizer shares. */
  private record Moments(
      Variable<TFloat32> v,
      Variable<TFloat32> m,
      Variable<TFloat32> vv,
      Variable<TFloat32> beta1Power,
      Variable<TFloat32> beta2Power,
      Operand<TFloat32> beta1,
      Operand<TFloat32> beta2,
      Operand<TFloat32> epsilon) {}

  /**
   * {@code ApplyAdam} of {@code gradient}, then the powers' update: one step, named {@code name}.
   */
  private Op apply(Ops tf, Moments s, Operand<TFloat32> gradient, String name) {
    ApplyAdam<TFloat32> apply =
        tf.train.applyAdam(
            s.v(),
            s.m(),
            s.vv(),
            s.beta1Power(),
            s.beta2Power(),
            learningRate,
            s.beta1(),
            s.beta2(),
            s.epsilon(),
            gradient,
            ApplyAdam.useLocking(true));
    Ops after = tf.withControlDependencies(List.of(apply));
    return tf.withControlDependencies(
            List.of(
                after.assign(s.beta1Power(), after.math.mul(s.beta1Power(), s.beta1())),
                after.assign(s.beta2Power(), after.math.mul(s.beta2Power(), s.beta2()))))
        .withName(name)
        .noOp();
  }

  /**
   * Builds the step, and the {@link #warmStartStep()} that shares its moments and step count, into
   * the graph of {@code tf} (under the sub-scope {@code adam}).
   *
   * @param loss a scalar that depends on {@code v}
   * @param warmStartLoss a scalar whose gradient in {@code v} equals the loss's during the warm
   *     start (there the regulariser is exactly 0): the reconstruction term
   * @param v the variable to train, usually {@link
   *     io.github.adaround.quant.AdaroundFakeQuantizer#v()}
   * @param learningRate the default of the run-time learning rate
   */
  public static VAdamStep create(
      Ops tf,
      Operand<TFloat32> loss,
      Operand<TFloat32> warmStartLoss,
      Variable<TFloat32> v,
      AdamConfig adam,
      float learningRate) {
    return new VAdamStep(tf.withSubScope("adam"), loss, warmStartLoss, v, adam, learningRate);
  }

  private static int[] toInts(Shape shape) {
    int[] dims = new int[shape.numDimensions()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = Math.toIntExact(shape.get(i));
    }
    return dims;
  }

  /** The gradient of the loss with respect to V, as the step applies it. */
  public Operand<TFloat32> gradient() {
    return gradient;
  }

  /** The learning rate, a run-time input (its default was given at construction). */
  public PlaceholderWithDefault<TFloat32> learningRate() {
    return learningRate;
  }

  /** One Adam update of V. */
  public Op step() {
    return step;
  }

  /**
   * One Adam update of V on the warm-start loss, sharing this optimizer's moments and step count.
   */
  public Op warmStartStep() {
    return warmStartStep;
  }

  /** Zeroes the moments and restarts the step count: a fresh optimizer (also its initializer). */
  public Op reset() {
    return reset;
  }
}
