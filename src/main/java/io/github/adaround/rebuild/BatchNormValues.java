package io.github.adaround.rebuild;

import io.github.adaround.error.UserError;
import io.github.adaround.graph.BatchNorm;
import io.github.adaround.tf.TensorData;
import org.tensorflow.Result;
import org.tensorflow.Session;

/**
 * A batch norm's per-output-channel affine map {@code y = x * a + c}, read from the model's
 * session.
 *
 * @param a the multiplier of each channel, {@code gamma / sqrt(variance + epsilon)}
 * @param c the offset of each channel, {@code beta - mean * a}
 */
public record BatchNormValues(float[] a, float[] c) {

  /**
   * The values of {@code batchNorm} in {@code session}, for a layer of {@code channels} output
   * channels: {@link BatchNorm.Form#FUSED} from its four parameters, computed in float32 as TF's
   * kernel does ({@code rsqrt(variance + epsilon) * gamma}); {@link BatchNorm.Form#MUL_ADD} as the
   * graph holds them, a single value standing for every channel.
   *
   * @throws UserError when a parameter has neither one value nor one per channel
   */
  public static BatchNormValues of(
      Session session, BatchNorm batchNorm, int channels, String layer) {
    float[][] p = new float[batchNorm.parameters().size()][];
    Session.Runner runner = session.runner();
    batchNorm.parameters().forEach(runner::fetch);
    try (Result r = runner.run()) {
      for (int i = 0; i < p.length; i++) {
        p[i] = perChannel(TensorData.floats(r.get(i)), channels, layer);
      }
    }
    if (batchNorm.form() == BatchNorm.Form.MUL_ADD) {
      return new BatchNormValues(p[0], p[1]);
    }
    float[] a = new float[channels];
    float[] c = new float[channels];
    for (int i = 0; i < channels; i++) {
      float inverse = (float) (1 / Math.sqrt(p[3][i] + batchNorm.epsilon()));
      a[i] = inverse * p[0][i];
      c[i] = p[1][i] - p[2][i] * a[i];
    }
    return new BatchNormValues(a, c);
  }

  private static float[] perChannel(float[] values, int channels, String layer) {
    if (values.length == channels) {
      return values;
    }
    if (values.length == 1) {
      float[] all = new float[channels];
      java.util.Arrays.fill(all, values[0]);
      return all;
    }
    throw new UserError(
        "layer "
            + layer
            + ": its batch norm has a parameter of "
            + values.length
            + " values for "
            + channels
            + " channels");
  }
}
