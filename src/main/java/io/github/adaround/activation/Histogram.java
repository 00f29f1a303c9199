package io.github.adaround.activation;

/** Counts of values in equal bins over {@code [low, high]}; values outside go to the end bins. */
final class Histogram {

  private final double low;
  private final double width;
  private final long[] counts;

  Histogram(float low, float high, int bins) {
    this.low = low;
    this.width = ((double) high - low) / bins;
    this.counts = new long[bins];
  }

  void add(float[] values) {
    int last = counts.length - 1;
    for (float v : values) {
      int bin = (int) ((v - low) / width);
      counts[bin < 0 ? 0 : Math.min(bin, last)]++;
    }
  }

  int bins() {
    return counts.length;
  }

  long count(int bin) {
    return counts[bin];
  }

  /** The centre of a bin, the value that stands for its counts. */
  float centre(int bin) {
    return (float) (low + (bin + 0.5) * width);
  }
}
