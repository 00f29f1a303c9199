package io.github.adaround.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.quant.Grid;
import io.github.adaround.source.ModelSources;
import io.github.adaround.tf.TensorData;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;

/**
 * {@code --storage codes}: the exported SavedModel stores each quantized weight as uint8 codes
 * {@code k - qmin} and its scales, and computes {@code (codes + qmin) * scale} where the weight
 * was: on reload the weight is bit for bit the quantized one, and so is the model's output.
 */
class CodesExportTest {

  @TempDir Path dir;

  private static final Path MODEL = Path.of("models", "fashion-mnist-cnn");
  private static final String WEIGHT = "logits/kernel";
  private static final int CHANNELS = 10;

  /**
   * The bundled model's last weight rounded to nearest on a 4-bit grid per output channel (the
   * column), {@code scale = max |w| / 7}, as the integers {@code k} in -8..7.
   */
  private static int[] integers(float[] w, float[] scale) {
    int[] k = new int[w.length];
    for (int i = 0; i < w.length; i++) {
      k[i] = Math.max(-8, Math.min(7, Math.round(w[i] / scale[i % CHANNELS])));
    }
    return k;
  }

  private static float[] scales(float[] w) {
    float[] scale = new float[CHANNELS];
    for (int i = 0; i < w.length; i++) {
      scale[i % CHANNELS] = Math.max(scale[i % CHANNELS], Math.abs(w[i]) / 7);
    }
    return scale;
  }

  @Test
  void integerCodesTimesTheScalesReproduceTheWeightExactly() throws Exception {
    Path floats = dir.resolve("float");
    Path out = dir.resolve("codes");
    float[] scale;
    int[] k;
    float[] weight;
    try (ModelSession quantized =
        new ModelSession(ModelSources.open(MODEL, "serving_default", Set.of()))) {
      float[] fp = quantized.read(WEIGHT);
      scale = scales(fp);
      k = integers(fp, scale);
      weight = new float[fp.length];
      for (int i = 0; i < fp.length; i++) {
        weight[i] = k[i] * scale[i % CHANNELS];
      }
      long[] shape = {fp.length / CHANNELS, CHANNELS};
      LayerReport layer =
          new LayerReport(
              new LayerReport.Layer("logits/MatMul", "MatMul", WEIGHT, shape),
              new LayerReport.Scales(Grid.MINMAX, 4, scale, new long[] {1, CHANNELS}),
              new LayerReport.Errors(0, 0),
              new LayerReport.Rounding("nearest", "minibatch", 0, 0, null),
              0);
      quantized.write(WEIGHT, Shape.of(shape), weight);
      quantized.export(floats);
      CodesExport.export(quantized, List.of(layer), out);
    }

    try (SavedModelBundle b = SavedModelBundle.load(out.toString(), "serve");
        SavedModelBundle f = SavedModelBundle.load(floats.toString(), "serve")) {
      byte[] codes = new byte[k.length];
      float[] dequantized;
      try (Result r =
          b.session()
              .runner()
              .fetch(WEIGHT + "/codes")
              .fetch(WEIGHT + "/scale")
              .fetch(WEIGHT)
              .run()) {
        assertEquals(DataType.DT_UINT8, r.get(0).dataType(), "the codes are bytes");
        r.get(0).asRawTensor().data().read(codes);
        assertArrayEquals(scale, TensorData.floats(r.get(1)));
        dequantized = TensorData.floats(r.get(2));
      }
      for (int i = 0; i < k.length; i++) {
        assertEquals(k[i] + 8, Byte.toUnsignedInt(codes[i]), "code " + i + " is k - qmin");
        assertEquals(weight[i], (Byte.toUnsignedInt(codes[i]) - 8) * scale[i % CHANNELS], 0f);
      }
      assertArrayEquals(weight, dequantized, 0f, "the reloaded weight is the quantized one");
      for (String other : List.of("conv1/kernel", "dense1/kernel", "dense1/bias")) {
        assertArrayEquals(fetch(f, other), fetch(b, other), 0f, other + " is kept as it was");
      }
    }
  }

  private static float[] fetch(SavedModelBundle b, String name) {
    try (Result r = b.session().runner().fetch(name).run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
