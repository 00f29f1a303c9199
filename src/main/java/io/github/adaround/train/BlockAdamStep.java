package io.github.adaround.train;

import io.github.adaround.tf.ExactOps;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyAdam;
import org.tensorflow.types.TFloat32;

/**
 * One deterministic Adam step on the V's of every layer of a block at once: the update of {@link
 * VAdamStep} applied to each {@code V_l} with the gradient of the block's loss, with one shared
 * step count.
 *
 * <pre>
 *   g_l = d loss / d V_l                (all of them computed before any V_l changes)
 *   m_l = b1 m_l + (1 - b1) g_l;   v_l = b2 v_l + (1 - b2) g_l^2;   t = t + 1
 *   V_l = V_l - lr / (1 - b1^t) * m_l / (sqrt(v_l) / sqrt(1 - b2^t) + eps)
 * </pre>
 *
 * Adam is element-wise, so this is one Adam over the concatenation of the V's. Each {@code
 * ApplyAdam} waits for every gradient (a later layer's gradient reads the earlier layers' V) and
 * the powers {@code b1^t}, {@code b2^t} change only after every {@code ApplyAdam}: identical runs
 * give identical bits. A warm-start step on the reconstruction term alone shares the moments.
 */
public final class BlockAdamStep {

  private final Op step;
  private final Op warmStartStep;
  private final Op reset;

  private BlockAdamStep(
      Ops tf,
      Operand<TFloat32> loss,
      Operand<TFloat32> warmStartLoss,
      List<Variable<TFloat32>> vs,
      AdamConfig adam,
      float learningRate) {
    Operand<TFloat32> rate = ExactOps.constant(tf, learningRate);
    Variable<TFloat32> beta1Power =
        tf.withName("beta1_power").variable(Shape.scalar(), TFloat32.class);
    Variable<TFloat32> beta2Power =
        tf.withName("beta2_power").variable(Shape.scalar(), TFloat32.class);
    Operand<TFloat32> beta1 = ExactOps.constant(tf, adam.beta1());
    Operand<TFloat32> beta2 = ExactOps.constant(tf, adam.beta2());
    Operand<TFloat32> epsilon =
        tf.math.mul(
            ExactOps.constant(tf, adam.epsilon()),
            tf.math.sqrt(tf.math.sub(ExactOps.constant(tf, 1f), beta2Power)));
    List<Variable<TFloat32>> ms = new ArrayList<>();
    List<Variable<TFloat32>> vvs = new ArrayList<>();
    List<Op> resets = new ArrayList<>();
    for (int l = 0; l < vs.size(); l++) {
      Shape shape = vs.get(l).shape();
      Variable<TFloat32> m = tf.withName("m_" + l).variable(shape, TFloat32.class);
      Variable<TFloat32> vv = tf.withName("v_" + l).variable(shape, TFloat32.class);
      ms.add(m);
      vvs.add(vv);
      resets.add(tf.assign(m, tf.zerosLike(vs.get(l))));
      resets.add(tf.assign(vv, tf.zerosLike(vs.get(l))));
    }
    resets.add(tf.assign(beta1Power, beta1));
    resets.add(tf.assign(beta2Power, beta2));
    this.reset = tf.withControlDependencies(resets).withName("reset").noOp();
    Moments moments = new Moments(vs, ms, vvs, beta1Power, beta2Power, beta1, beta2, epsilon, rate);
    this.step = apply(tf, moments, gradients(tf, loss, vs), "step");
    this.warmStartStep = apply(tf, moments, gradients(tf, warmStartLoss, vs), "warm_start_step");
  }

  /** The optimizer's state and constants, shared by both steps. */
  private record Moments(
      List<Variable<TFloat32>> vs,
      List<Variable<TFloat32>> ms,
      List<Variable<TFloat32>> vvs,
      Variable<TFloat32> beta1Power,
      Variable<TFloat32> beta2Power,
      Operand<TFloat32> beta1,
      Operand<TFloat32> beta2,
      Operand<TFloat32> epsilon,
      Operand<TFloat32> learningRate) {}

  private static List<Operand<TFloat32>> gradients(
      Ops tf, Operand<TFloat32> loss, List<Variable<TFloat32>> vs) {
    var gradients = tf.gradients(loss, vs);
    List<Operand<TFloat32>> list = new ArrayList<>();
    for (int l = 0; l < vs.size(); l++) {
      list.add(gradients.dy(l));
    }
    return list;
  }

  /** Every {@code ApplyAdam} after every gradient, then the powers' update. */
  private static Op apply(Ops tf, Moments s, List<Operand<TFloat32>> gradients, String name) {
    List<Op> computed = new ArrayList<>();
    gradients.forEach(g -> computed.add(tf.identity(g)));
    Ops afterGradients = tf.withControlDependencies(computed);
    List<Op> applies = new ArrayList<>();
    for (int l = 0; l < s.vs().size(); l++) {
      applies.add(
          afterGradients.train.applyAdam(
              s.vs().get(l),
              s.ms().get(l),
              s.vvs().get(l),
              s.beta1Power(),
              s.beta2Power(),
              s.learningRate(),
              s.beta1(),
              s.beta2(),
              s.epsilon(),
              gradients.get(l),
              ApplyAdam.useLocking(true)));
    }
    Ops after = tf.withControlDependencies(applies);
    return tf.withControlDependencies(
            List.of(
                after.assign(s.beta1Power(), after.math.mul(s.beta1Power(), s.beta1())),
                after.assign(s.beta2Power(), after.math.mul(s.beta2Power(), s.beta2()))))
        .withName(name)
        .noOp();
  }

  /**
   * Builds both steps into the graph of {@code tf} (under the sub-scope {@code adam}).
   *
   * @param loss the block's loss, a scalar that depends on every V
   * @param warmStartLoss its reconstruction term, whose gradient equals the loss's while the
   *     regulariser is 0
   */
  public static BlockAdamStep create(
      Ops tf,
      Operand<TFloat32> loss,
      Operand<TFloat32> warmStartLoss,
      List<Variable<TFloat32>> vs,
      AdamConfig adam,
      float learningRate) {
    return new BlockAdamStep(tf.withSubScope("adam"), loss, warmStartLoss, vs, adam, learningRate);
  }

  /** One Adam update of every V. */
  public Op step() {
    return step;
  }

  /** One update on the warm-start loss, sharing the moments and the step count. */
  public Op warmStartStep() {
    return warmStartStep;
  }

  /** Zeroes the moments and restarts the step count. */
  public Op reset() {
    return reset;
  }
}
