package io.github.adaround.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Storage;
import io.github.adaround.data.Calibration;
import io.github.adaround.data.DatasetLocation;
import io.github.adaround.data.FashionMnist;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import io.github.adaround.demo.TinyDenseModel;
import io.github.adaround.error.ModelException;
import io.github.adaround.export.LayerReport;
import io.github.adaround.quant.ChannelLayout;
import io.github.adaround.quant.Grid;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundRecipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * End to end on the bundled model with few iterations: the export reloads, every quantized weight
 * is on the grid that encodings.json declares, nothing else changed, and the input is untouched.
 */
class AdaroundEngineTest {

  private static final Path MODEL = Path.of("models", "fashion-mnist-cnn");
  private static float[] calibration;

  @BeforeAll
  static void loadCalibration() throws Exception {
    LabeledImages train =
        FashionMnist.load(DatasetLocation.resolve(Optional.of(bundledSubset())), Split.TRAIN);
    calibration = train.first(64).pixels();
  }

  private static Path bundledSubset() {
    return Path.of("src", "main", "resources", "fashion-mnist-subset");
  }

  private static Map<String, String> digests(Path dir) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.put(
            dir.relativize(f).toString(),
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f))));
      }
    }
    return out;
  }

  private static float[] variable(SavedModelBundle b, String name) {
    try (Result r = b.session().runner().fetch(name).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  private static int opCount(SavedModelBundle b) {
    int n = 0;
    for (Iterator<?> it = b.graph().operations(); it.hasNext(); it.next()) {
      n++;
    }
    return n;
  }

  private static List<LayerReport> quantize(QuantizeConfig config, Path out) throws Exception {
    return new AdaroundEngine(config, EngineListener.SILENT)
        .run(MODEL, Calibration.of(calibration, 64), out);
  }

  @Test
  void exportedWeightsLieOnTheDeclaredGridAndNothingElseChanges(@TempDir Path dir)
      throws Exception {
    Map<String, String> inputBefore = digests(MODEL);
    Path out = dir.resolve("q");
    QuantizeConfig config =
        QuantizeConfig.DEFAULT.toBuilder()
            .bits(3)
            .perChannel(true)
            .recipe(AdaroundRecipe.PAPER.withIterations(30))
            .build();
    List<LayerReport> reports = quantize(config, out);

    assertEquals(inputBefore, digests(MODEL), "the input model is byte-identical");
    assertEquals(5, reports.size());
    JsonObject encodings =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json"))).getAsJsonObject();
    JsonObject report =
        JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
    assertEquals(5, report.getAsJsonArray("layers").size());

    try (SavedModelBundle original = SavedModelBundle.load(MODEL.toString(), "serve");
        SavedModelBundle quantized = SavedModelBundle.load(out.toString(), "serve")) {
      assertEquals(opCount(original), opCount(quantized), "no op added to the graph");
      assertEquals(original.signatures().toString(), quantized.signatures().toString());
      for (LayerReport layer : reports) {
        float[] w = variable(quantized, layer.layer().weight());
        JsonArray entries =
            encodings.getAsJsonObject("param_encodings").getAsJsonArray(layer.layer().weight());
        QuantSpec spec =
            QuantSpec.signed(3)
                .perChannel(
                    layer.layer().op().equals("DepthwiseConv2dNative")
                        ? new int[] {2, 3}
                        : new int[] {-1});
        ChannelLayout channels = ChannelLayout.of(layer.layer().shape(), spec);
        assertEquals(channels.channels(), entries.size(), layer.layer().weight());
        for (int i = 0; i < w.length; i++) {
          JsonObject e = entries.get(channels.channelOf(i)).getAsJsonObject();
          float scale = e.get("scale").getAsFloat();
          int k = Math.round(w[i] / scale);
          assertEquals(k * scale, w[i], 0f, layer.layer().weight() + " off the grid at " + i);
          assertTrue(
              k >= e.get("offset").getAsInt() && k <= 3, layer.layer().weight() + " range at " + i);
          assertEquals(e.get("offset").getAsInt() * scale, e.get("min").getAsFloat(), 0f);
          assertEquals(3 * scale, e.get("max").getAsFloat(), 0f);
        }
      }
      for (String bias :
          List.of("conv1/bias", "dw/bias", "pw/bias", "dense1/bias", "logits/bias")) {
        assertArrayEquals(variable(original, bias), variable(quantized, bias), bias);
      }
    }
  }

  @Test
  void nearestRoundsEveryWeightToTheClosestGridPoint(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("n");
    List<LayerReport> reports =
        quantize(QuantizeConfig.DEFAULT.toBuilder().grid(Grid.MINMAX).nearest(true).build(), out);
    try (SavedModelBundle original = SavedModelBundle.load(MODEL.toString(), "serve");
        SavedModelBundle quantized = SavedModelBundle.load(out.toString(), "serve")) {
      for (LayerReport layer : reports) {
        float[] fp = variable(original, layer.layer().weight());
        float[] q = variable(quantized, layer.layer().weight());
        float scale = layer.grid().scale()[0];
        float amax = 0;
        for (float v : fp) {
          amax = Math.max(amax, Math.abs(v));
        }
        assertEquals(amax / 7.5f, scale, 0f, "min-max grid of " + layer.layer().weight());
        for (int i = 0; i < fp.length; i++) {
          assertTrue(Math.abs(fp[i] - q[i]) <= scale * 0.5f * 1.0001f || q[i] == 7 * scale);
        }
        assertEquals(0, layer.rounding().changedFromNearest());
        assertEquals(layer.errors().nearest(), layer.errors().adaround());
      }
    }
  }

  private static float[] logits(Path model) {
    try (SavedModelBundle b = SavedModelBundle.load(model.toString(), "serve");
        TFloat32 images =
            TensorData.floats(org.tensorflow.ndarray.Shape.of(64, 28, 28, 1), calibration);
        Result r = b.session().runner().feed("input", images).fetch("logits/BiasAdd").run()) {
      return TensorData.floats(r.get(0));
    }
  }

  @Test
  void codesStorageIsAQuarterOfTheBytesWithTheSameOutputsAndRunsAreReproducible(@TempDir Path dir)
      throws Exception {
    QuantizeConfig config =
        QuantizeConfig.DEFAULT.toBuilder()
            .perChannel(true)
            .recipe(AdaroundRecipe.PAPER.withIterations(20))
            .build();
    Path floats = dir.resolve("float");
    Path again = dir.resolve("again");
    Path codes = dir.resolve("codes");
    List<LayerReport> reports = quantize(config, floats);
    quantize(config, again);
    quantize(config.toBuilder().storage(Storage.CODES).build(), codes);

    assertEquals(
        digests(floats.resolve("variables")),
        digests(again.resolve("variables")),
        "the same inputs, options and seed give the same bytes");
    assertEquals(
        Files.readString(floats.resolve("encodings.json")),
        Files.readString(again.resolve("encodings.json")));
    assertArrayEquals(logits(floats), logits(codes), "bit-identical outputs");

    long floatBytes = 0;
    long codeBytes = 0;
    try (SavedModelBundle b = SavedModelBundle.load(codes.toString(), "serve")) {
      for (LayerReport layer : reports) {
        try (Result r =
            b.session()
                .runner()
                .fetch(layer.layer().weight() + "/codes")
                .fetch(layer.layer().weight() + "/scale")
                .run()) {
          assertEquals(DataType.DT_UINT8, r.get(0).dataType());
          codeBytes += r.get(0).numBytes() + r.get(1).numBytes();
          floatBytes += 4 * r.get(0).numBytes();
        }
      }
    }
    assertTrue(floatBytes >= 3.5 * codeBytes, floatBytes + " float bytes vs " + codeBytes);
  }

  @Test
  void theQuadraticObjectiveLearnsTheConvolutionsFromTheWholeSetReproducibly(@TempDir Path dir)
      throws Exception {
    QuantizeConfig config =
        QuantizeConfig.DEFAULT.toBuilder()
            .perChannel(true)
            .keepBest(false)
            .recipe(AdaroundRecipe.QUADRATIC.withIterations(300))
            .build();
    List<LayerReport> reports = quantize(config, dir.resolve("a"));
    quantize(config, dir.resolve("b"));

    assertEquals(
        digests(dir.resolve("a").resolve("variables")),
        digests(dir.resolve("b").resolve("variables")),
        "the same inputs, options and seed give the same bytes");
    assertEquals(
        Files.readString(dir.resolve("a").resolve("encodings.json")),
        Files.readString(dir.resolve("b").resolve("encodings.json")));
    Map<String, String> objectives = new TreeMap<>();
    for (LayerReport r : reports) {
      objectives.put(r.layer().weight(), r.rounding().objective());
    }
    // The convolutions read 784 or 196 positions per sample, the Dense layers one: a minibatch
    // step of 32 Dense samples is cheaper than the 3136- and 128-input quadratic forms.
    assertEquals(
        Map.of(
            "conv1/kernel", "quadratic",
            "dw/depthwise_kernel", "quadratic",
            "pw/kernel", "quadratic",
            "dense1/kernel", "minibatch",
            "logits/kernel", "minibatch"),
        objectives);
    for (LayerReport r : reports) {
      assertTrue(
          r.errors().adaround() < r.errors().nearest(),
          r.layer().weight() + ": AdaRound's output error is below nearest's");
    }
    JsonObject report =
        JsonParser.parseString(Files.readString(dir.resolve("a").resolve("report.json")))
            .getAsJsonObject();
    assertEquals("quadratic", report.getAsJsonObject("recipe").get("objective").getAsString());
  }

  @Test
  void keepBestExportsNearestWhereAdaroundEndsUpWorse(@TempDir Path dir) throws Exception {
    // A learning rate of 100 throws V about: the hardened rounding is worse than nearest.
    QuantizeConfig wild =
        QuantizeConfig.DEFAULT.toBuilder()
            .recipe(AdaroundRecipe.PAPER.withIterations(50).withLearningRate(100f))
            .build();
    List<LayerReport> unguarded =
        quantize(wild.toBuilder().keepBest(false).build(), dir.resolve("unguarded"));
    List<LayerReport> guarded = quantize(wild, dir.resolve("guarded"));

    assertTrue(
        unguarded.stream().anyMatch(u -> u.errors().adaround() > u.errors().nearest()),
        "the wild learning rate must make some layer worse than nearest");
    assertTrue(guarded.stream().anyMatch(g -> g.rounding().exported().equals("nearest")));
    for (LayerReport g : guarded) {
      assertTrue(
          g.errors().adaround() <= g.errors().nearest(),
          g.layer().weight() + " exported worse than nearest");
      assertEquals(
          g.rounding().exported().equals("nearest"),
          g.rounding().note() != null,
          g.layer().weight());
    }
  }

  @Test
  void aLayerWhoseLossIsNotFiniteKeepsNearestAndSaysSo(@TempDir Path dir) throws Exception {
    float[] huge = new float[8];
    java.util.Arrays.fill(huge, 3e38f);
    Path model = TinyDenseModel.export(dir.resolve("overflow"), huge);
    float[] ones = new float[16 * 4];
    java.util.Arrays.fill(ones, 1f);
    List<LayerReport> reports =
        new AdaroundEngine(
                QuantizeConfig.DEFAULT.toBuilder()
                    .recipe(AdaroundRecipe.PAPER.withIterations(20).withReportEvery(5))
                    .build(),
                EngineListener.SILENT)
            .run(model, Calibration.of(ones, 16), dir.resolve("out"));
    LayerReport dense = reports.get(0);
    assertEquals("nearest", dense.rounding().exported());
    assertEquals("non-finite loss at iteration 4; kept nearest", dense.rounding().note());
    try (SavedModelBundle b = SavedModelBundle.load(dir.resolve("out").toString(), "serve")) {
      float[] q = variable(b, "dense/kernel");
      for (float v : q) {
        assertTrue(Float.isFinite(v));
      }
    }
  }

  @Test
  void aTf1StyleModelWithAFixedBatchIsQuantizedInChunks(@TempDir Path dir) throws Exception {
    Path model = io.github.adaround.graph.Tf1StyleModel.export(dir.resolve("tf1"));
    float[] images = io.github.adaround.tf.GraphFixture.randn(7, 20 * 16 * 16 * 3);
    Path out = dir.resolve("q");
    List<LayerReport> reports =
        new AdaroundEngine(
                QuantizeConfig.DEFAULT.toBuilder()
                    .perChannel(true)
                    .recipe(AdaroundRecipe.PAPER.withIterations(20))
                    .build(),
                EngineListener.SILENT)
            .run(model, Calibration.of(images, 20), out);

    assertEquals(
        List.of("conv2d/kernel", "conv2d_1/kernel", "depthwise/depthwise_kernel", "dense/kernel"),
        reports.stream().map(r -> r.layer().weight()).toList());
    try (SavedModelBundle quantized = SavedModelBundle.load(out.toString(), "serve")) {
      for (LayerReport layer : reports) {
        float[] w = variable(quantized, layer.layer().weight());
        ChannelLayout channels =
            ChannelLayout.ofScaleShape(layer.layer().shape(), layer.grid().scaleShape());
        for (int i = 0; i < w.length; i++) {
          float scale = layer.grid().scale()[channels.channelOf(i)];
          assertEquals(
              Math.round(w[i] / scale) * scale, w[i], 0f, layer.layer().weight() + " at " + i);
        }
      }
    }
  }

  @Test
  void aModelFolderWithoutSavedModelIsRefused(@TempDir Path dir) {
    ModelException e =
        assertThrows(
            ModelException.class,
            () ->
                new AdaroundEngine(QuantizeConfig.DEFAULT, EngineListener.SILENT)
                    .run(dir, Calibration.of(calibration, 64), dir.resolve("out")));
    assertTrue(e.getMessage().contains("no saved_model.pb"), e.getMessage());
  }
}
