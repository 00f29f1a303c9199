package io.github.adaround.demo;

/**
 * How to train the bundled model.
 *
 * @param epochs passes over the training split
 * @param batchSize images per Adam step
 * @param learningRate Adam's step size in the first epoch
 * @param learningRateDecay factor applied to the step size after each epoch
 * @param seed seeds the initial weights and the shuffling: the same seed gives the same weights
 */
public record TrainingConfig(
    int epochs, int batchSize, float learningRate, float learningRateDecay, long seed) {
  /** Default number of epochs. */
  public static final int DEFAULT_EPOCHS = 12;

  /** Default batch size. */
  public static final int DEFAULT_BATCH_SIZE = 64;

  /** Default initial learning rate. */
  public static final float DEFAULT_LEARNING_RATE = 1e-3f;

  /** Default per-epoch learning-rate decay. */
  public static final float DEFAULT_LEARNING_RATE_DECAY = 0.8f;

  /** Checks the values. */
  public TrainingConfig {
    if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || !(learningRateDecay > 0)) {
      throw new IllegalArgumentException(
          "epochs, batch size, learning rate and decay must be positive");
    }
  }

  /** The defaults with a given seed. */
  static TrainingConfig defaults(long seed) {
    return new TrainingConfig(
        DEFAULT_EPOCHS,
        DEFAULT_BATCH_SIZE,
        DEFAULT_LEARNING_RATE,
        DEFAULT_LEARNING_RATE_DECAY,
        seed);
  }

  /** The learning rate during a 0-based epoch. */
  public float learningRate(int epoch) {
    return (float) (learningRate * Math.pow(learningRateDecay, epoch));
  }
}
