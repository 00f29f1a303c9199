package io.github.adaround.data;

import java.util.Arrays;

/**
 * The content of an IDX file of unsigned bytes: its dimensions and its values in row-major order.
 *
 * @param dims the dimensions, outermost first
 * @param values the values, row-major, as stored (unsigned, read them with {@code & 0xff})
 */
record IdxArray(int[] dims, byte[] values) {

  /** Copies the arrays so that the record stays immutable. */
  public IdxArray {
    dims = dims.clone();
    values = values.clone();
  }

  @Override
  public int[] dims() {
    return dims.clone();
  }

  /** The value at a flat row-major index, in [0, 255]. */
  public int valueAt(int index) {
    return values[index] & 0xff;
  }

  /** The number of values. */
  public int size() {
    return values.length;
  }

  @Override
  public String toString() {
    return "IdxArray" + Arrays.toString(dims);
  }
}
