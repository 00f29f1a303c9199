package io.github.adaround.train;

/**
 * Adam's constants (Kingma and Ba 2015). The learning rate is not here: it is a run-time input of
 * the training step.
 *
 * @param beta1 decay of the first-moment estimate, in [0, 1)
 * @param beta2 decay of the second-moment estimate, in [0, 1)
 * @param epsilon added to the denominator, as PyTorch adds it (after the bias correction)
 */
public record AdamConfig(float beta1, float beta2, float epsilon) {

  /** PyTorch's and the paper's defaults: 0.9, 0.999, 1e-8. */
  public static final AdamConfig DEFAULT = new AdamConfig(0.9f, 0.999f, 1e-8f);

  public AdamConfig {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException(
          "Adam betas must be in [0, 1), got " + beta1 + " and " + beta2);
    }
    if (!(epsilon > 0) || Float.isInfinite(epsilon)) {
      throw new IllegalArgumentException("Adam epsilon must be positive, got " + epsilon);
    }
  }
}
