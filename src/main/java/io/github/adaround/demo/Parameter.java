package io.github.adaround.demo;

import java.util.Arrays;
import org.tensorflow.ndarray.Shape;

/**
 * A named trainable tensor of a model: a kernel or a bias.
 *
 * @param name the variable's name in the graph, {@code layer/leaf}, e.g. {@code conv1/kernel}
 * @param dims its shape
 * @param fanIn inputs per output unit, for initialisation (0 for a bias)
 * @param fanOut outputs per input unit, for initialisation (0 for a bias)
 * @param init how its initial value is drawn
 */
record Parameter(String name, long[] dims, int fanIn, int fanOut, Init init) {

  /** How a parameter starts. */
  enum Init {
    /** Glorot-uniform from the fans: kernels. */
    GLOROT_UNIFORM,
    /** Zeros: biases, batch-norm offsets and moving means. */
    ZEROS,
    /** Ones: batch-norm scales and moving variances. */
    ONES
  }

  /** Checks the name and copies the dimensions so that the record stays immutable. */
  public Parameter {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("parameter names are layer/leaf: " + name);
    }
    dims = dims.clone();
  }

  /** The layer part of the name, {@code conv1} for {@code conv1/kernel}. */
  public String layer() {
    return name.substring(0, name.indexOf('/'));
  }

  /** The last part of the name, {@code kernel} for {@code conv1/kernel}. */
  public String leafName() {
    return name.substring(name.indexOf('/') + 1);
  }

  /** A kernel initialised from its fans. */
  static Parameter kernel(String name, int fanIn, int fanOut, long... dims) {
    return new Parameter(name, dims, fanIn, fanOut, Init.GLOROT_UNIFORM);
  }

  /** A bias, initialised to zero. */
  static Parameter bias(String name, long size) {
    return new Parameter(name, new long[] {size}, 0, 0, Init.ZEROS);
  }

  /** A vector initialised to one: a batch-norm scale or moving variance. */
  static Parameter ones(String name, long size) {
    return new Parameter(name, new long[] {size}, 0, 0, Init.ONES);
  }

  @Override
  public long[] dims() {
    return dims.clone();
  }

  /** The shape as a TensorFlow {@link Shape}. */
  public Shape shape() {
    return Shape.of(dims);
  }

  /** The number of values. */
  public int size() {
    return Math.toIntExact(shape().size());
  }

  /** Whether it is a bias (initialised to zero). */
  public boolean isBias() {
    return init == Init.ZEROS;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Parameter other
        && name.equals(other.name)
        && Arrays.equals(dims, other.dims)
        && fanIn == other.fanIn
        && fanOut == other.fanOut
        && init == other.init;
  }

  @Override
  public int hashCode() {
    return 31 * name.hashCode() + Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(dims);
  }
}
