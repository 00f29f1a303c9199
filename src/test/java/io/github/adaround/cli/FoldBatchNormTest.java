package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.graph.Tf1StyleModel;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import io.github.adaround.tf.TensorData;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * {@code --fold-batch-norm} on a SavedModel whose first convolution has no bias and a {@code
 * FusedBatchNormV3} after it: the exported weights are the folded ones, on their grid, and the
 * batch norm, made the identity but for the folded bias it adds, keeps the model's outputs close to
 * the FP model's.
 */
class FoldBatchNormTest {

  @TempDir Path dir;

  @Test
  void aBatchNormAfterALayerWithoutBiasIsFoldedAndKeptToAddTheBias() throws Exception {
    Path model = Tf1StyleModel.export(dir.resolve("tf1"));
    Random random = new Random(2);
    float[] samples = new float[64 * 16 * 16 * 3];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = (float) random.nextGaussian();
    }
    Path npy = dir.resolve("calibration.npy");
    NpyFiles.writeFloats(npy, new long[] {64, 16, 16, 3}, samples);
    Path out = dir.resolve("folded");

    Run r =
        run(
            "quantize",
            "--model",
            model.toString(),
            "--out",
            out.toString(),
            "--calibration-npy",
            npy.toString(),
            "--calibration",
            "48",
            "--iterations",
            "20",
            "--per-channel",
            "--bits",
            "8",
            "--fold-batch-norm");

    assertEquals(0, r.status(), r.err());
    ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    try (ModelSource fp = ModelSources.open(model, "serving_default", Set.of());
        ModelSource folded = ModelSources.open(out, "serving_default", Set.of())) {
      float[] gamma = folded.read("batch_normalization/gamma");
      float[] beta = folded.read("batch_normalization/beta");
      for (int c = 0; c < gamma.length; c++) {
        assertEquals(1f, gamma[c], "gamma of the folded batch norm");
        assertEquals(0f, folded.read("batch_normalization/moving_mean")[c]);
      }
      assertTrue(beta[0] != fp.read("batch_normalization/beta")[0], "beta holds the folded bias");
      float[] a = outputs(fp, samples);
      float[] b = outputs(folded, samples);
      double worst = 0;
      for (int i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      assertTrue(worst < 0.02, "8-bit folded model's probabilities off by " + worst);
    }
  }

  private static float[] outputs(ModelSource model, float[] samples) {
    float[] batch = java.util.Arrays.copyOf(samples, 8 * 16 * 16 * 3);
    try (TFloat32 x = TensorData.floats(Shape.of(8, 16, 16, 3), batch);
        Result r =
            model
                .session()
                .runner()
                .feed(model.inputTensor(), x)
                .fetch(model.outputTensors().get(0))
                .run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
