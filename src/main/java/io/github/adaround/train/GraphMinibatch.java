package io.github.adaround.train;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A layer's calibration samples held in its graph, and the minibatch gathered from them by fed
 * indices: a step then feeds {@code batch} integers instead of copies of its samples made in Java
 * (for the bundled model's conv1, a 3.2 MB target per step; the copy and the fresh tensor cost
 * about a fifth of its step). The rows are the same, so the step computes the same bits.
 *
 * <pre>
 *   input  = gather(inputs,  indices)        [batch, ...inputSample]
 *   target = gather(targets, indices)        [batch, ...targetSample]
 * </pre>
 *
 * The two variables take any number of samples: {@link #load()} assigns the fed {@link
 * #allInputs()} and {@link #allTargets()} once per layer. Until then the gathers must not run; a
 * graph that is fed its minibatches never runs them.
 */
final class GraphMinibatch {

  private final Placeholder<TInt32> indices;
  private final Placeholder<TFloat32> allInputs;
  private final Placeholder<TFloat32> allTargets;
  private final Operand<TFloat32> inputBatch;
  private final Operand<TFloat32> targetBatch;
  private final Op load;

  private GraphMinibatch(Ops tf, Shape inputSample, Shape targetSample) {
    this.indices =
        tf.withName("indices").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
    Shape inputs = Shape.of(-1).append(inputSample);
    Shape targets = Shape.of(-1).append(targetSample);
    this.allInputs =
        tf.withName("all_inputs").placeholder(TFloat32.class, Placeholder.shape(inputs));
    this.allTargets =
        tf.withName("all_targets").placeholder(TFloat32.class, Placeholder.shape(targets));
    // TF's variable kernel takes a fully known shape or none: none, so that any count fits.
    Variable<TFloat32> inputValues =
        tf.withName("inputs").variable(Shape.unknown(), TFloat32.class);
    Variable<TFloat32> targetValues =
        tf.withName("targets").variable(Shape.unknown(), TFloat32.class);
    this.inputBatch = tf.gather(inputValues, indices, tf.constant(0));
    this.targetBatch = tf.gather(targetValues, indices, tf.constant(0));
    this.load =
        tf.withControlDependencies(
                List.of(
                    tf.assign(inputValues, allInputs, Assign.validateShape(false)),
                    tf.assign(targetValues, allTargets, Assign.validateShape(false))))
            .withName("load")
            .noOp();
  }

  /** Builds the variables, the gathers and the load into the graph of {@code tf}. */
  public static GraphMinibatch create(Ops tf, Shape inputSample, Shape targetSample) {
    return new GraphMinibatch(tf.withSubScope("minibatch"), inputSample, targetSample);
  }

  /** The rows of the minibatch, fed at each step. */
  public Placeholder<TInt32> indices() {
    return indices;
  }

  /** Every input sample, {@code [count, ...inputSample]}, fed to {@link #load()}. */
  public Placeholder<TFloat32> allInputs() {
    return allInputs;
  }

  /** Every target sample, {@code [count, ...targetSample]}, fed to {@link #load()}. */
  public Placeholder<TFloat32> allTargets() {
    return allTargets;
  }

  /** The inputs of the minibatch's rows. */
  public Operand<TFloat32> inputBatch() {
    return inputBatch;
  }

  /** The targets of the minibatch's rows. */
  public Operand<TFloat32> targetBatch() {
    return targetBatch;
  }

  /** Stores the fed samples in the graph, replacing any stored before. */
  public Op load() {
    return load;
  }
}
