package io.github.adaround.train;

import java.util.List;

/**
 * What one layer's AdaRound gives back.
 *
 * @param hardenedWeight the weight with hardened rounding ({@code h = 1[V >= 0]}), exactly on the
 *     grid, in the weight's layout
 * @param softShare share of the weights whose {@code h(V)} was still strictly between 0 and 1
 *     before hardening
 * @param changedFromNearest number of weights whose grid integer differs from rounding to nearest
 * @param reports the loss parts as reported during training
 */
public record LayerResult(
    float[] hardenedWeight, double softShare, long changedFromNearest, List<LossReport> reports) {

  public LayerResult {
    hardenedWeight = hardenedWeight.clone();
    reports = List.copyOf(reports);
  }

  @Override
  public float[] hardenedWeight() {
    return hardenedWeight.clone();
  }
}
