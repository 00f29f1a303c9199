package io.github.adaround.train;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A layer as graph ops: its output for a batch of inputs and a given weight, including what follows
 * the weight op up to the reconstruction point (bias, activation). For a Dense layer with ReLU:
 *
 * <pre>{@code
 * (tf, x, w) -> tf.nn.relu(tf.nn.biasAdd(tf.linalg.matMul(x, w), bias))
 * }</pre>
 */
@FunctionalInterface
public interface LayerFunction {

  Operand<TFloat32> apply(Ops tf, Operand<TFloat32> input, Operand<TFloat32> weight);
}
