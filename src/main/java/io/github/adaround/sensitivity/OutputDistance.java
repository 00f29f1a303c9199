package io.github.adaround.sensitivity;

/**
 * How far a quantized model's outputs are from the FP model's on the same samples.
 *
 * <ul>
 *   <li>SQNR in dB: {@code 10 log10(sum y^2 / sum (y - y_q)^2)} over every output value;
 *   <li>KL divergence: the mean over samples of {@code KL(softmax(y) || softmax(y_q))}, the softmax
 *       taken over each sample's last {@code classes} values (the logits of a classifier).
 * </ul>
 *
 * @param sqnrDb signal-to-quantization-noise ratio; infinite when the outputs are equal
 * @param kl mean KL divergence in nats
 */
public record OutputDistance(double sqnrDb, double kl) {

  /**
   * @param fp the FP outputs, {@code samples x classes} values
   * @param quantized the quantized model's outputs on the same samples
   * @param classes values per sample
   */
  static OutputDistance of(float[] fp, float[] quantized, int classes) {
    double signal = 0;
    double noise = 0;
    for (int i = 0; i < fp.length; i++) {
      double d = (double) fp[i] - quantized[i];
      signal += (double) fp[i] * fp[i];
      noise += d * d;
    }
    double sqnr = noise == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(signal / noise);
    int samples = fp.length / classes;
    double kl = 0;
    for (int n = 0; n < samples; n++) {
      kl += kl(fp, quantized, n * classes, classes);
    }
    return new OutputDistance(sqnr, samples == 0 ? 0 : kl / samples);
  }

  /** {@code sum p log(p / q)} of the softmaxes of {@code a} and {@code b} at {@code offset}. */
  private static double kl(float[] a, float[] b, int offset, int n) {
    double[] logP = logSoftmax(a, offset, n);
    double[] logQ = logSoftmax(b, offset, n);
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.exp(logP[i]) * (logP[i] - logQ[i]);
    }
    return Math.max(0, sum);
  }

  private static double[] logSoftmax(float[] x, int offset, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, x[offset + i]);
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += Math.exp(x[offset + i] - max);
    }
    double log = max + Math.log(sum);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = x[offset + i] - log;
    }
    return out;
  }
}
