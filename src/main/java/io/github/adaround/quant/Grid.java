package io.github.adaround.quant;

/** How the scale of each weight grid is chosen. */
public enum Grid {
  /** The reference's symmetric min-max observer: {@code scale = amax / ((qmax - qmin) / 2)}. */
  MINMAX,
  /** The scale that minimises {@code ||W - Q(W)||^2} over clipping ratios (the paper's choice). */
  MSE
}
