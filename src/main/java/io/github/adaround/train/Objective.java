package io.github.adaround.train;

/** What a layer's reconstruction term compares, and over which samples. */
public enum Objective {

  /**
   * The paper's eq. 25: the layer's output after its activation, {@code ||f(W~ x) - f(W x)||^2}, on
   * a fresh random minibatch of the calibration samples at every step.
   */
  MINIBATCH,

  /**
   * The output before the activation over the whole calibration set, as a quadratic form in the
   * quantized weight (the paper's eqs. 13-17): {@code ||W~ X - Y||^2 = tr(D A D^T) + 2 tr(D R) + c}
   * with {@code D = W~ - W}, computed from Gram matrices of the inputs once per layer. Used for the
   * layers where a step of it costs fewer operations than a minibatch step ({@code
   * io.github.adaround.quadratic.QuadraticChoice}); the other layers keep {@link #MINIBATCH}.
   */
  QUADRATIC
}
