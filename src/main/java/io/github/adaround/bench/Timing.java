package io.github.adaround.bench;

import java.util.Arrays;

/** Wall-clock timing of repeated work: the median over repeats of the time per unit. */
final class Timing {

  private Timing() {}

  /** Work that runs {@code units} units (steps, products) when called once. */
  interface Work {
    void run(int units);
  }

  /**
   * Runs {@code work} once with {@code warmUp} units untimed, then {@code repeats} times with
   * {@code units} units each.
   *
   * @return the median of the repeats' milliseconds per unit
   */
  static double medianMillisPerUnit(Work work, int warmUp, int units, int repeats) {
    if (warmUp > 0) {
      work.run(warmUp);
    }
    double[] millis = new double[repeats];
    for (int r = 0; r < repeats; r++) {
      long start = System.nanoTime();
      work.run(units);
      millis[r] = (System.nanoTime() - start) / 1e6 / units;
    }
    Arrays.sort(millis);
    return repeats % 2 == 1
        ? millis[repeats / 2]
        : (millis[repeats / 2 - 1] + millis[repeats / 2]) / 2;
  }
}
