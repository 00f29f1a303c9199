package io.github.adaround.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * Element-wise comparisons of a result against a reference tensor, collecting every mismatch as a
 * readable line (so that one run shows all that differs).
 */
public final class Tolerance {

  private final String label;
  private final List<String> mismatches = new ArrayList<>();

  public Tolerance(String label) {
    this.label = label;
  }

  /** Same float32 bits at every element. */
  public void bitExact(String field, RefTensor expected, float[] actual) {
    if (sizeDiffers(field, expected, actual)) {
      return;
    }
    for (int i = 0; i < actual.length; i++) {
      if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected.floats()[i])) {
        report(field, i, expected.floats()[i], actual[i], "bit-exact");
        return;
      }
    }
  }

  /** Within {@code ulps} units in the last place of the expected value. */
  public void withinUlps(String field, RefTensor expected, float[] actual, int ulps) {
    within(field, expected, actual, i -> ulps * Math.ulp(expected.floats()[i]));
  }

  /** Within an absolute bound per element. */
  public void within(String field, RefTensor expected, float[] actual, IntToDoubleFunction bound) {
    if (sizeDiffers(field, expected, actual)) {
      return;
    }
    for (int i = 0; i < actual.length; i++) {
      double diff = Math.abs((double) actual[i] - expected.floats()[i]);
      if (!(diff <= bound.applyAsDouble(i))) {
        report(field, i, expected.floats()[i], actual[i], "bound " + bound.applyAsDouble(i));
        return;
      }
    }
  }

  /** Within a relative bound of a scalar. */
  public void withinRelative(String field, double expected, double actual, double relative) {
    if (!(Math.abs(actual - expected) <= relative * Math.abs(expected))) {
      mismatches.add(
          label
              + ": "
              + field
              + " expected "
              + expected
              + " got "
              + actual
              + " (rel "
              + relative
              + ")");
    }
  }

  /** Zero exactly where the reference is zero. */
  public void sameZeroPattern(String field, RefTensor expected, float[] actual) {
    if (sizeDiffers(field, expected, actual)) {
      return;
    }
    for (int i = 0; i < actual.length; i++) {
      if ((actual[i] == 0f) != (expected.floats()[i] == 0f)) {
        report(field, i, expected.floats()[i], actual[i], "zero pattern");
        return;
      }
    }
  }

  /**
   * Zero exactly where the reference is zero, except that a subnormal reference value (below {@link
   * Float#MIN_NORMAL}) may come out as 0: TF's CPU kernels flush subnormals to zero.
   */
  public void sameZeroPatternAboveSubnormals(String field, RefTensor expected, float[] actual) {
    if (sizeDiffers(field, expected, actual)) {
      return;
    }
    for (int i = 0; i < actual.length; i++) {
      float e = expected.floats()[i];
      boolean flushed = actual[i] == 0f && Math.abs(e) < Float.MIN_NORMAL;
      if ((actual[i] == 0f) != (e == 0f) && !flushed) {
        report(field, i, e, actual[i], "zero pattern");
        return;
      }
    }
  }

  /** A condition of the reference's that must hold. */
  public void check(boolean condition, String what) {
    if (!condition) {
      mismatches.add(label + ": " + what);
    }
  }

  private boolean sizeDiffers(String field, RefTensor expected, float[] actual) {
    if (expected.size() != actual.length) {
      mismatches.add(
          label + ": " + field + " has " + actual.length + " values, reference " + expected.size());
      return true;
    }
    return false;
  }

  private void report(String field, int index, float expected, float actual, String rule) {
    mismatches.add(
        label
            + ": "
            + field
            + "["
            + index
            + "] expected "
            + expected
            + " got "
            + actual
            + " ("
            + rule
            + ")");
  }

  public List<String> mismatches() {
    return List.copyOf(mismatches);
  }
}
