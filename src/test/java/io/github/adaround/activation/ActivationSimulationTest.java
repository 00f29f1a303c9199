package io.github.adaround.activation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.data.Calibration;
import io.github.adaround.engine.AdaroundEngine;
import io.github.adaround.engine.EngineListener;
import io.github.adaround.graph.Tf1StyleModel;
import io.github.adaround.tf.GraphFixture;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundRecipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * Integer activations on a TF1-style graph: batch norm, a residual add, a fixed batch, two
 * signature outputs.
 */
class ActivationSimulationTest {

  @Test
  void everySignatureOutputOfTheFakeQuantModelLiesOnItsEncodedGrid(@TempDir Path dir)
      throws Exception {
    Path model = Tf1StyleModel.export(dir.resolve("tf1"));
    float[] images = GraphFixture.randn(7, 24 * 16 * 16 * 3);
    Path out = dir.resolve("q");
    new AdaroundEngine(
            QuantizeConfig.DEFAULT.toBuilder()
                .perChannel(true)
                .recipe(AdaroundRecipe.PAPER.withIterations(20))
                .activations(ActivationConfig.quantized(6, RangeMethod.MSE, 0.5f))
                .build(),
            EngineListener.SILENT)
        .run(model, Calibration.of(images, 24), out);

    JsonObject encodings =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json")))
            .getAsJsonObject()
            .getAsJsonObject("activation_encodings");
    assertEquals(
        Set.of(
            "images:0",
            "relu/Relu:0",
            "conv2d_1/BiasAdd:0",
            "relu_1/Relu:0",
            "depthwise/Relu6:0",
            "fixed/Conv2d:0",
            "Mean:0",
            "gram/MatMul:0",
            "dense/Add:0",
            "Softmax:0"),
        encodings.keySet());

    float[] x = Arrays.copyOf(GraphFixture.randn(8, 8 * 16 * 16 * 3), 8 * 16 * 16 * 3);
    try (SavedModelBundle fakeQuant = SavedModelBundle.load(out.resolve("fake-quant").toString());
        SavedModelBundle plain = SavedModelBundle.load(out.toString());
        TFloat32 in = TensorData.floats(Shape.of(8, 16, 16, 3), x)) {
      Signature signature = fakeQuant.signatures().get(0);
      assertEquals(Set.of("probabilities", "similarity"), signature.outputNames());
      Map<String, String> sources =
          Map.of("probabilities", "Softmax:0", "similarity", "gram/MatMul:0");
      for (String output : List.of("probabilities", "similarity")) {
        String tensor = signature.getOutputs().get(output).name;
        JsonObject grid = encodings.getAsJsonArray(sources.get(output)).get(0).getAsJsonObject();
        float scale = grid.get("scale").getAsFloat();
        int offset = grid.get("offset").getAsInt();
        float[] y;
        try (Result r = fakeQuant.session().runner().feed("images:0", in).fetch(tensor).run()) {
          y = TensorData.floats(r.get(0));
        }
        float[] f;
        try (Result r =
            plain.session().runner().feed("images:0", in).fetch(sources.get(output)).run()) {
          f = TensorData.floats(r.get(0));
        }
        for (float v : y) {
          long j = Math.round(v / (double) scale);
          assertTrue(j >= offset && j <= offset + 63, output + " " + v);
          assertEquals(j * scale, v, 0f, output);
        }
        // The fixed convolution's kernel is zero, so the similarity is 0 and held exactly.
        assertEquals(output.equals("similarity"), Arrays.equals(f, y), output);
      }
    }
  }
}
