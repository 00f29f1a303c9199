package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.DatasetLocation;
import io.github.adaround.data.FashionMnist;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import io.github.adaround.source.SavedModels;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** {@code quantize --activation-bits}: the simulated integer model and its encodings. */
class ActivationQuantizeTest {
  private static final String MODEL = Path.of("models", "fashion-mnist-cnn").toString();
  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  @TempDir Path dir;

  private Run quantize(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "quantize",
                "--model",
                MODEL,
                "--out",
                out.toString(),
                "--data-dir",
                SUBSET,
                "--calibration",
                "128",
                "--per-channel"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  /** One activation grid as encodings.json gives it. */
  private record Grid(float scale, int offset, float min, float max) {
    /** TF's fake-quant kernel on this grid, written from the file's numbers alone. */
    float quantize(float x) {
      float clamped = Math.max(Math.min(x, max), min);
      return (float) Math.floor((clamped - min) / scale + offset + 0.5f) * scale;
    }
  }

  private static Map<String, Grid> activationGrids(Path out) throws IOException {
    JsonObject acts =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json")))
            .getAsJsonObject()
            .getAsJsonObject("activation_encodings");
    Map<String, Grid> grids = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : acts.entrySet()) {
      JsonObject g = e.getValue().getAsJsonArray().get(0).getAsJsonObject();
      assertEquals("False", g.get("is_symmetric").getAsString());
      grids.put(
          e.getKey(),
          new Grid(
              g.get("scale").getAsFloat(),
              g.get("offset").getAsInt(),
              g.get("min").getAsFloat(),
              g.get("max").getAsFloat()));
    }
    return grids;
  }

  private static float[] logits(SavedModelBundle model, String output, float[] x, int n) {
    try (TFloat32 images = TensorData.floats(Shape.of(n, 28, 28, 1), x);
        Result r = model.session().runner().feed("input:0", images).fetch(output).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  /**
   * The integer inference simulated by hand on the float model: each encoded tensor is computed by
   * TF from the ones before it, quantized in Java with the file's grid, and fed back in.
   */
  private static float[] simulate(
      SavedModelBundle floatModel, Map<String, Grid> grids, float[] x, int n, Set<String> aliases) {
    Session session = floatModel.session();
    Map<String, TFloat32> fed = new LinkedHashMap<>();
    float[] last = null;
    try {
      for (Map.Entry<String, Grid> e : grids.entrySet()) {
        if (aliases.contains(e.getKey())) {
          continue;
        }
        float[] values;
        Shape shape;
        if (e.getKey().equals("input:0")) {
          values = x.clone();
          shape = Shape.of(n, 28, 28, 1);
        } else {
          var runner = session.runner();
          fed.forEach(runner::feed);
          try (Result r = runner.fetch(e.getKey()).run()) {
            values = TensorData.floats(r.get(0));
            shape = r.get(0).shape();
          }
        }
        for (int i = 0; i < values.length; i++) {
          values[i] = e.getValue().quantize(values[i]);
        }
        fed.put(e.getKey(), TensorData.floats(shape, values));
        last = values;
      }
      return last;
    } finally {
      fed.values().forEach(TFloat32::close);
    }
  }

  @Test
  void theFakeQuantModelComputesExactlyWhatTheEncodingsSayAnIntegerRuntimeComputes()
      throws Exception {
    Path out = dir.resolve("w8a8");
    Run r = quantize(out, "--bits", "8", "--activation-bits", "8", "--nearest");
    assertEquals(0, r.status(), r.err());
    assertEquals(
        "wrote " + out + " (simulated integer model: " + out.resolve("fake-quant") + ")",
        r.lastLine());

    Map<String, Grid> grids = activationGrids(out);
    JsonObject report =
        JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
    List<String> reported = new ArrayList<>();
    report
        .getAsJsonObject("activations")
        .getAsJsonArray("tensors")
        .forEach(t -> reported.add(t.getAsJsonObject().get("tensor").getAsString()));
    Set<String> aliases = new TreeSet<>(grids.keySet());
    reported.forEach(aliases::remove);
    assertEquals(Set.of("flatten/Reshape:0"), aliases);

    LabeledImages test = FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TEST);
    int n = 64;
    float[] x = Arrays.copyOf(test.pixels(), n * 784);
    try (SavedModelBundle floatModel = SavedModels.load(out);
        SavedModelBundle fakeQuant = SavedModels.load(out.resolve("fake-quant"))) {
      Set<String> quantizedInGraph = new TreeSet<>();
      fakeQuant
          .graph()
          .operations()
          .forEachRemaining(
              (GraphOperation op) -> {
                if (op.type().equals("FakeQuantWithMinMaxVars")) {
                  quantizedInGraph.add(op.input(0).op().name() + ":" + op.input(0).index());
                }
              });
      assertEquals(
          new TreeSet<>(reported),
          quantizedInGraph,
          "one fake-quant op after each encoded tensor that is not an alias");
      String output = fakeQuant.signatures().get(0).getOutputs().values().iterator().next().name;
      float[] simulated = simulate(floatModel, grids, x, n, aliases);
      float[] fq = logits(fakeQuant, output, x, n);
      assertArrayEquals(simulated, fq, 0f, "the fake-quant model is the integer inference");
      float[] plain = logits(floatModel, "logits/BiasAdd:0", x, n);
      assertTrue(!Arrays.equals(plain, fq), "activations are really quantized");

      int correct = 0;
      for (int start = 0; start < test.count(); start += 250) {
        float[] chunk = Arrays.copyOfRange(test.pixels(), start * 784, (start + 250) * 784);
        float[] simulatedLogits = simulate(floatModel, grids, chunk, 250, aliases);
        for (int i = 0; i < 250; i++) {
          int best = 0;
          for (int k = 1; k < 10; k++) {
            best = simulatedLogits[i * 10 + k] > simulatedLogits[i * 10 + best] ? k : best;
          }
          correct += best == test.label(start + i) ? 1 : 0;
        }
      }
      assertEquals(
          correct / (double) test.count(),
          accuracy(out.resolve("fake-quant")),
          0,
          "eval of the fake-quant model reports the hand-simulated integer accuracy");
    }
  }

  private static double accuracy(Path model) {
    Run eval = run("eval", "--model", model.toString(), "--data-dir", SUBSET, "--json");
    assertEquals(0, eval.status(), eval.err());
    return JsonParser.parseString(eval.lastLine()).getAsJsonObject().get("accuracy").getAsDouble();
  }

  @Test
  void fewerActivationBitsGiveLowerSimulatedAccuracyAnd16BitsGiveTheFloatOne() throws Exception {
    Map<Integer, Double> accuracy = new LinkedHashMap<>();
    for (int bits : new int[] {16, 8, 3, 2}) {
      Path out = dir.resolve("a" + bits);
      Run r = quantize(out, "--bits", "8", "--nearest", "--activation-bits", "" + bits);
      assertEquals(0, r.status(), r.err());
      accuracy.put(bits, accuracy(out.resolve("fake-quant")));
      if (bits == 16) {
        assertEquals(accuracy(out), accuracy.get(16), 0.001, "16 bits lose nothing");
      }
    }
    assertTrue(accuracy.get(8) > accuracy.get(3) + 0.005, accuracy.toString());
    assertTrue(accuracy.get(3) > accuracy.get(2), accuracy.toString());
  }

  @Test
  void qdropRunsAreReproducibleAndEncodingsComeInBothAimetFormats() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    for (Path out : List.of(a, b)) {
      Run r =
          quantize(
              out, "--activation-bits", "4", "--iterations", "20", "--encodings-version", "1.0.0");
      assertEquals(0, r.status(), r.err());
    }
    for (String file :
        List.of(
            "encodings.json",
            "variables/variables.data-00000-of-00001",
            "fake-quant/variables/variables.data-00000-of-00001")) {
      assertArrayEquals(
          Files.readAllBytes(a.resolve(file)), Files.readAllBytes(b.resolve(file)), file);
    }
    JsonObject root =
        JsonParser.parseString(Files.readString(a.resolve("encodings.json"))).getAsJsonObject();
    assertEquals("1.0.0", root.get("version").getAsString());
    JsonObject first = root.getAsJsonArray("activation_encodings").get(0).getAsJsonObject();
    assertEquals("input:0", first.get("name").getAsString());
    assertEquals("PER_TENSOR", first.get("enc_type").getAsString());
    assertEquals(4, first.get("bw").getAsInt());
    assertEquals(false, first.get("is_sym").getAsBoolean());
    JsonObject weight = root.getAsJsonArray("param_encodings").get(0).getAsJsonObject();
    assertEquals("conv1/kernel", weight.get("name").getAsString());
    assertEquals("PER_CHANNEL", weight.get("enc_type").getAsString());
    assertEquals(32, weight.getAsJsonArray("scale").size());
    assertEquals(-8, weight.getAsJsonArray("offset").get(0).getAsInt());
    JsonObject report =
        JsonParser.parseString(Files.readString(a.resolve("report.json"))).getAsJsonObject();
    assertEquals(0.5, report.getAsJsonObject("activations").get("qdrop").getAsDouble(), 0);
  }

  @Test
  void badActivationOptionsGiveOneLineBeforeAnyWork() throws IOException {
    Path fresh = dir.resolve("fresh");
    assertOneLine(
        quantize(fresh, "--activation-bits", "17"),
        "adaround quantize: --activation-bits must be in 2..16, got 17");
    assertOneLine(
        quantize(fresh, "--activation-bits", "8", "--qdrop", "1.5"),
        "adaround quantize: --qdrop must be in 0..1, got 1.5");
    assertOneLine(
        quantize(fresh, "--activation-bits", "8", "--qdrop", "half"),
        "adaround quantize: --qdrop must be a probability in 0..1 or off, got half");
    assertOneLine(
        quantize(fresh, "--qdrop", "0.5"),
        "adaround quantize: --qdrop and --activation-range need --activation-bits");
    assertBadValue(
        quantize(fresh, "--activation-bits", "8", "--activation-range", "percentile"),
        "adaround quantize: Invalid value for option '--activation-range': expected one of minmax,"
            + " mse but was 'percentile' (see --help)");
    assertBadValue(
        quantize(fresh, "--encodings-version", "2.0"),
        "adaround quantize: Invalid value for option '--encodings-version': expected one of 0.6.1,"
            + " 1.0.0 but was '2.0' (see --help)");
    assertTrue(Files.notExists(fresh));
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(List.of(), left.toList());
    }
  }

  /** An option value picocli refuses: one line naming the option and its values, status 2. */
  private static void assertBadValue(Run run, String message) {
    assertEquals(message + System.lineSeparator(), run.err());
    assertEquals(2, run.status(), run.err());
  }

  private static void assertOneLine(Run run, String message) {
    assertEquals(message + System.lineSeparator(), run.err());
    assertEquals(1, run.status(), run.err());
  }
}
