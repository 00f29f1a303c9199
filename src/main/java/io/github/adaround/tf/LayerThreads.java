package io.github.adaround.tf;

/**
 * The kernel threads of a layer's training session. A step of a small layer is a few hundred small
 * kernels and elementwise passes, bound by memory and by the cost of splitting each kernel over
 * cores; run on one thread each (TF's inter-op pool still runs independent kernels side by side),
 * it is faster. Measured on the bundled model's layers, the two settings' sessions alternating in
 * one process (a harness outside the repository; {@code bench} against {@code bench
 * --intra-op-threads 0} compares the same per bench case) on 2 cores, median ms per step, TF's
 * choice -> one thread: logits 0.64 -> 0.40, depthwise 2.67 -> 1.62, pointwise 3.34 -> 2.26, dense1
 * (3136 -> 128) 6.98 -> 6.01, the 1 -> 32 3x3 convolution 3.86 -> 3.70; but a 64 -> 64 3x3
 * convolution on 16x16 maps (1.2 GFLOP per step) 13.4 -> 17.4. So a layer gets one thread per
 * kernel when its step's products are small:
 *
 * <pre>
 *   2 * (2 * batch * outputs per sample * patch depth) &lt; {@value #SMALL_FLOPS}
 * </pre>
 *
 * (forward product and weight gradient; the patch depth is the multiply-adds per output), and TF's
 * choice otherwise. The choice depends on shapes only, so the same model and recipe always run with
 * the same threads and give the same bits.
 *
 * <p>TF shares one kernel pool among all sessions of a process unless the environment variable
 * {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1} was set before TF started ({@code tools/adaround} and the
 * tests set it); without it every layer runs on the first session's pool, whatever is chosen here.
 */
public final class LayerThreads {

  /** Products per step below which one thread per kernel is faster. */
  static final long SMALL_FLOPS = 200_000_000L;

  /** One thread per kernel, independent kernels side by side. */
  static final SessionThreads ONE_PER_KERNEL = new SessionThreads(1, 0);

  private LayerThreads() {}

  /**
   * @param patchDepth multiply-adds per output value when the layer is a product of patches, or 0
   *     when it is not (TF's choice)
   * @param batchSize samples per step
   * @param outputSampleSize values in one sample of the layer's output
   */
  public static SessionThreads of(long patchDepth, int batchSize, long outputSampleSize) {
    if (patchDepth <= 0) {
      return SessionThreads.TF_DEFAULT;
    }
    return forStep(2.0 * 2.0 * batchSize * outputSampleSize * patchDepth);
  }

  /** The threads of a step whose two products take {@code productFlops} operations. */
  public static SessionThreads forStep(double productFlops) {
    return productFlops < SMALL_FLOPS ? ONE_PER_KERNEL : SessionThreads.TF_DEFAULT;
  }
}
