package io.github.adaround.train;

import io.github.adaround.quant.AdaroundFakeQuantizer;
import io.github.adaround.tf.TensorData;
import java.util.List;
import org.tensorflow.Result;
import org.tensorflow.Session;

/**
 * The end of a layer's training: its hardened weight and what changed, as a {@link LayerResult}.
 */
public final class Hardening {

  private Hardening() {}

  /**
   * Reads the hardened weight ({@code h = 1[V >= 0]}) of a trained quantizer, the share of {@code
   * h(V)} still strictly between 0 and 1, and the weights rounded differently from nearest.
   */
  public static LayerResult harden(
      Session session, AdaroundFakeQuantizer quantizer, List<LossReport> reports) {
    try (Result r =
        session
            .runner()
            .fetch(quantizer.softRoundingValue())
            .fetch(quantizer.hardOutput())
            .fetch(quantizer.nearestOutput())
            .run()) {
      float[] h = TensorData.floats(r.get(0));
      float[] hard = TensorData.floats(r.get(1));
      float[] nearest = TensorData.floats(r.get(2));
      long soft = 0;
      long changed = 0;
      for (int i = 0; i < h.length; i++) {
        if (h[i] > 0f && h[i] < 1f) {
          soft++;
        }
        if (hard[i] != nearest[i]) {
          changed++;
        }
      }
      return new LayerResult(hard, (double) soft / h.length, changed, reports);
    }
  }
}
