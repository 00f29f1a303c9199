package io.github.adaround.quadratic;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.data.Calibration;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.LayerFunction;
import io.github.adaround.train.Samples;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A layer's {@link GramStatistics} over the calibration samples: its cached inputs (from the partly
 * quantized model) against the FP model's pre-activation outputs, which are computed chunk by chunk
 * and not kept.
 */
public final class QuadraticStatistics {

  private QuadraticStatistics() {}

  /**
   * @param preActivation the FP model's tensor that enters the layer's activation
   * @param inputs the layer's cached inputs on the same samples
   * @param linear the layer up to its bias
   * @param outputSample one sample of the layer's output (the activation keeps its shape)
   */
  public static GramStatistics collect(
      ModelSession fp,
      String preActivation,
      Calibration calibration,
      Samples inputs,
      PatchLayout layout,
      LayerFunction linear,
      float[] weight,
      long[] weightShape,
      Shape outputSample) {
    int[] start = {0};
    try (GramAccumulator sums =
        new GramAccumulator(
            layout, linear, weight, Shape.of(weightShape), inputs.sampleShape(), outputSample)) {
      fp.forEachChunk(
          preActivation,
          calibration.samples(),
          (values, rows, sampleShape) -> {
            int[] indices = IntStream.range(start[0], start[0] + rows).toArray();
            int size = Math.toIntExact(sampleShape.size());
            try (TFloat32 x = inputs.batch(indices);
                TFloat32 y =
                    TensorData.floats(
                        Shape.of(rows).append(sampleShape), Arrays.copyOf(values, rows * size))) {
              sums.add(x, y);
            }
            start[0] += rows;
          });
      return sums.result();
    }
  }
}
