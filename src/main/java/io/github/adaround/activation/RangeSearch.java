package io.github.adaround.activation;

/**
 * The MSE range of a tensor: among ranges {@code [a * min, b * max]} shrunk from the min-max one
 * ({@code a, b} in {@code 1/G, 2/G, ..., 1}; {@code a = 1} or {@code b = 1} when that end is 0),
 * the one whose grid gives the least squared error
 *
 * <pre>
 *   E(range) = sum over bins of count * (centre - Q_range(centre))^2
 * </pre>
 *
 * on the tensor's histogram, with {@code Q} the nudged grid that the kernel will use ({@link
 * ActivationEncoding#quantize}). Ties keep the wider range.
 */
final class RangeSearch {

  /** Steps per side of the search. */
  static final int STEPS = 50;

  private RangeSearch() {}

  /**
   * @param min the min-max range's low end, {@code <= 0}
   * @param max the min-max range's high end, {@code >= 0}, above {@code min}
   */
  static ActivationEncoding search(Histogram histogram, float min, float max, int bits) {
    int lowSteps = min < 0 ? STEPS : 1;
    int highSteps = max > 0 ? STEPS : 1;
    ActivationEncoding best = null;
    double bestError = Double.POSITIVE_INFINITY;
    for (int a = lowSteps; a >= 1; a--) {
      for (int b = highSteps; b >= 1; b--) {
        float lo = min * a / lowSteps;
        float hi = max * b / highSteps;
        ActivationEncoding candidate = ActivationEncoding.of(lo, hi, bits);
        double error = error(histogram, candidate, bestError);
        if (error < bestError) {
          bestError = error;
          best = candidate;
        }
      }
    }
    return best;
  }

  /** The histogram's squared error on {@code e}'s grid; stops once above {@code bound}. */
  private static double error(Histogram histogram, ActivationEncoding e, double bound) {
    double sum = 0;
    for (int i = 0; i < histogram.bins() && sum < bound; i++) {
      long n = histogram.count(i);
      if (n > 0) {
        float c = histogram.centre(i);
        double d = c - e.quantize(c);
        sum += n * d * d;
      }
    }
    return sum;
  }
}
