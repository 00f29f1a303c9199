package io.github.adaround.quadratic;

/**
 * Whether a layer learns from the {@link QuadraticReconstruction} under {@link
 * io.github.adaround.train.Objective#QUADRATIC}: when its step costs fewer multiply-adds than a
 * minibatch step. Per group, the quadratic form's product {@code A D} takes {@code depth^2 width},
 * the minibatch's forward product {@code batch * positions * depth * width}, and each as much again
 * for its gradient; so the quadratic form is chosen when {@code depth < batch * positions}, {@code
 * positions} being the output positions of one sample. Convolutions on feature maps pass (a 3x3
 * kernel over 64 channels has depth 576, a minibatch of 32 16x16 maps 8192 positions); Dense layers
 * with more inputs than the batch size keep their minibatches.
 */
public final class QuadraticChoice {

  private QuadraticChoice() {}

  /**
   * @param batchSize samples per minibatch step
   * @param outputSampleSize values in one sample of the layer's output
   */
  public static boolean cheaper(PatchLayout layout, int batchSize, long outputSampleSize) {
    long positions = outputSampleSize / (layout.groups() * layout.width());
    return layout.depth() < (long) batchSize * positions;
  }
}
