package io.github.adaround.bench;

/**
 * The timing of one case.
 *
 * @param benchCase the case
 * @param msPerStep median wall-clock milliseconds of one training step
 */
public record CaseResult(BenchCase benchCase, double msPerStep) {

  /** Forward plus weight-gradient operations per second, in billions. */
  public double gflopsPerSecond() {
    return benchCase.flopsPerStep() / msPerStep / 1e6;
  }
}
