package io.github.adaround.kws;

import io.github.adaround.data.NpyArray;
import io.github.adaround.data.NpyReader;
import java.nio.file.Path;

/**
 * Top-1 agreement of a quantized keyword spotter with the FP32 one on feature samples: {@code
 * main(fp.pb, quantized.pb, features.npy)} prints the share of samples where both graphs give the
 * same class, and the FP32 graph's classes.
 */
public final class Agreement {

  private Agreement() {}

  /** The share of the {@code n} samples on which the two graphs' top-1 classes are the same. */
  public static double of(KeywordSpotter fp, KeywordSpotter quantized, float[] features, int n) {
    int[] a = fp.top1(features, n);
    int[] b = quantized.top1(features, n);
    int same = 0;
    for (int i = 0; i < n; i++) {
      same += a[i] == b[i] ? 1 : 0;
    }
    return (double) same / n;
  }

  public static void main(String[] args) throws Exception {
    NpyArray features = NpyReader.read(Path.of(args[2]));
    int n = Math.toIntExact(features.shape()[0]);
    try (KeywordSpotter fp = new KeywordSpotter(Path.of(args[0]));
        KeywordSpotter quantized = new KeywordSpotter(Path.of(args[1]))) {
      System.out.printf(
          "top-1 agreement %.4f on %d samples%n", of(fp, quantized, features.values(), n), n);
      System.out.println(
          "fp32 classes " + java.util.Arrays.toString(fp.top1(features.values(), n)));
    }
  }
}
