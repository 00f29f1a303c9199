package io.github.adaround.train;

import java.util.SplittableRandom;

/**
 * Draws minibatches of distinct sample indices, uniformly, from a seeded generator: a partial
 * Fisher-Yates shuffle per batch. A batch larger than the sample count takes every sample.
 */
final class MinibatchSampler {

  private final int[] order;
  private final int batchSize;
  private final SplittableRandom random;

  MinibatchSampler(int count, int batchSize, SplittableRandom random) {
    this.order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    this.batchSize = Math.min(batchSize, count);
    this.random = random;
  }

  int[] next() {
    int[] batch = new int[batchSize];
    for (int i = 0; i < batchSize; i++) {
      int j = i + random.nextInt(order.length - i);
      int chosen = order[j];
      order[j] = order[i];
      order[i] = chosen;
      batch[i] = chosen;
    }
    return batch;
  }
}
