package io.github.adaround.loss;

/** How the squared error between the quantized and the FP layer output becomes one number. */
public enum Reduction {
  /** The PyTorch reference: {@code mean((out - target)^2)} over every element. */
  MEAN_ALL,
  /**
   * The paper and AIMET: {@code sum} over the output channels (the last axis in TF's layouts),
   * {@code mean} over the batch and the spatial positions.
   */
  SUM_CHANNELS_MEAN_BATCH
}
