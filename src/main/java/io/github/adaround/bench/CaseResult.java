package io.github.adaround.bench;

import io.github.adaround.tf.SessionThreads;

/**
 * The timing of one case.
 *
 * @param benchCase the case
 * @param msPerStep median wall-clock milliseconds of one training step
 * @param threads the session's thread pools the step ran with
 */
record CaseResult(BenchCase benchCase, double msPerStep, SessionThreads threads) {

  /** Forward plus weight-gradient operations per second, in billions. */
  public double gflopsPerSecond() {
    return benchCase.flopsPerStep() / msPerStep / 1e6;
  }
}
