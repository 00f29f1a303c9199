package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.source.ExportedWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models of several inputs, and of inputs whose spatial or time axes take any size. */
class InputsQuantizeTest {

  @TempDir Path dir;

  @Test
  void aTwoInputModelIsQuantizedFromOneFilePerInputAndTrainsBothBranches() throws Exception {
    Path model = InputsModels.twoInputs(dir.resolve("model"));
    Path image = npy("image.npy", 20, 8, 8, 1);
    Path features = npy("features.npy", 20, 7);

    Path out = dir.resolve("out");
    Run r = quantize(model, out, "image=" + image, "features=" + features);
    assertEquals(0, r.status(), r.err());
    ExportedWeights.assertOnDeclaredGrid(out, "serving_default");
    JsonObject report =
        JsonParser.parseString(Files.readString(out.resolve("report.json"))).getAsJsonObject();
    TreeSet<String> trained = new TreeSet<>();
    for (JsonElement layer : report.getAsJsonArray("layers")) {
      JsonObject o = layer.getAsJsonObject();
      assertEquals("minibatch", o.get("objective").getAsString(), o.toString());
      trained.add(o.get("weight").getAsString());
    }
    assertEquals(new TreeSet<>(List.of("feat/kernel", "head/kernel", "img/kernel")), trained);

    Path again = dir.resolve("again");
    Run rerun = quantize(model, again, "features=" + features, "image=" + image);
    assertEquals(0, rerun.status(), rerun.err());
    for (String file :
        List.of(
            "variables/variables.data-00000-of-00001",
            "variables/variables.index",
            "encodings.json")) {
      assertTrue(ExportedWeights.sameFile(out, again, file), file);
    }
  }

  @Test
  void bothInputsFeedTheActivationRangesTheSimulatedIntegerModelAndTheGramStatistics()
      throws Exception {
    Path model = InputsModels.twoInputs(dir.resolve("model"));
    Path image = npy("image.npy", 20, 8, 8, 1);
    Path features = npy("features.npy", 20, 7);
    Path out = dir.resolve("out");
    Run r =
        quantize(
            model,
            out,
            List.of("--activation-bits", "8"),
            "image=" + image,
            "features=" + features);
    assertEquals(0, r.status(), r.err());
    JsonObject activations =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json")))
            .getAsJsonObject()
            .getAsJsonObject("activation_encodings");
    assertTrue(activations.has("image:0"), activations.keySet().toString());
    assertTrue(activations.has("features:0"), activations.keySet().toString());
    assertTrue(Files.isRegularFile(out.resolve("fake-quant").resolve("saved_model.pb")));

    Path quadratic = dir.resolve("quadratic");
    Run q =
        quantize(
            model,
            quadratic,
            List.of("--objective", "quadratic"),
            "image=" + image,
            "features=" + features);
    assertEquals(0, q.status(), q.err());
    JsonObject first =
        JsonParser.parseString(Files.readString(quadratic.resolve("report.json")))
            .getAsJsonObject()
            .getAsJsonArray("layers")
            .get(0)
            .getAsJsonObject();
    assertEquals("img/kernel", first.get("weight").getAsString());
    assertEquals("quadratic", first.get("objective").getAsString());
  }

  @Test
  void namesThatDoNotFitTheModelsInputsAreRefusedInOneSentence() throws Exception {
    Path model = InputsModels.twoInputs(dir.resolve("model"));
    Path image = npy("image.npy", 20, 8, 8, 1);
    Path features = npy("features.npy", 20, 7);
    Path fewer = npy("fewer.npy", 12, 7);
    String inputs = "features [-1, 7], image [-1, 8, 8, 1]";

    assertOneLine(
        quantize(model, dir.resolve("o1"), "image=" + image),
        "no --calibration-npy features=FILE for input 'features'; the model's inputs: " + inputs);
    assertOneLine(
        quantize(model, dir.resolve("o2"), "image=" + image, "feature=" + features),
        "--calibration-npy names input 'feature', which the model does not have; its inputs: "
            + inputs);
    assertOneLine(
        quantize(model, dir.resolve("o3"), "image=" + image, "features=" + fewer),
        "every input needs the same number of calibration samples: "
            + image
            + " holds 20, "
            + fewer
            + " holds 12");
    assertOneLine(
        quantize(model, dir.resolve("o4"), image.toString()),
        "--calibration-npy FILE feeds one input, the model has 2 ("
            + inputs
            + "): give --calibration-npy NAME=FILE for each");
    assertTrue(Files.notExists(dir.resolve("o1")));
  }

  @Test
  void aFrozenGraphOfTwoInputsTakesOneInputOptionAndOneFileEach() throws Exception {
    Path graph = InputsModels.frozenTwoInputs(dir.resolve("two.pb"));
    Path a = npy("a.npy", 20, 4);
    Path b = npy("b.npy", 20, 3);
    Path out = dir.resolve("out");
    Run r =
        quantize(
            graph,
            out,
            List.of("--input", "a", "--input", "b", "--output", "y"),
            "b=" + b,
            "a=" + a);
    assertEquals(0, r.status(), r.err());
    assertTrue(Files.isRegularFile(out.resolve("two.pb")));
    JsonObject params =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json")))
            .getAsJsonObject()
            .getAsJsonObject("param_encodings");
    assertEquals(new TreeSet<>(List.of("wa", "wb")), new TreeSet<>(params.keySet()));
  }

  @Test
  void inspectShowsEveryInput() throws Exception {
    Path model = InputsModels.twoInputs(dir.resolve("model"));
    Run r = run("inspect", "--model", model.toString(), "--json");
    assertEquals(0, r.status(), r.err());
    JsonArray inputs = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("inputs");
    assertEquals(2, inputs.size());
    assertEquals("features", inputs.get(0).getAsJsonObject().get("name").getAsString());
    assertEquals("[-1,8,8,1]", inputs.get(1).getAsJsonObject().get("shape").toString());
    Run table = run("inspect", "--model", model.toString());
    assertTrue(table.out().startsWith("input features [-1,7] (features:0)"), table.out());
  }

  @Test
  void imagesOfAnySizeAreQuantizedFromSamplesOfOneSizePerFile() throws Exception {
    Path model = InputsModels.anySizeImages(dir.resolve("model"));
    for (int side : new int[] {24, 16}) {
      Path npy = npy("x" + side + ".npy", 12, side, side, 3);
      for (String objective : List.of("minibatch", "quadratic")) {
        Path out = dir.resolve("out" + side + objective);
        Run r = quantize(model, out, List.of("--objective", objective), npy.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(
            List.of("c1/kernel", "c2/kernel"),
            List.copyOf(ExportedWeights.assertOnDeclaredGrid(out, "serving_default").keySet()));
        JsonObject first =
            JsonParser.parseString(Files.readString(out.resolve("report.json")))
                .getAsJsonObject()
                .getAsJsonArray("layers")
                .get(0)
                .getAsJsonObject();
        assertEquals(objective, first.get("objective").getAsString());
      }
    }
    Path fourChannels = npy("x4.npy", 12, 16, 16, 4);
    Run misfit = quantize(model, dir.resolve("misfit"), fourChannels.toString());
    assertOneLine(
        misfit,
        fourChannels + ": shape [12, 16, 16, 4] does not match the model input [-1, -1, -1, 3]");
  }

  @Test
  void sequencesOfAnyLengthAreQuantized() throws Exception {
    Path model = InputsModels.anyLengthSequences(dir.resolve("model"));
    for (int steps : new int[] {20, 9}) {
      Path npy = npy("s" + steps + ".npy", 12, steps, 8);
      Path out = dir.resolve("out" + steps);
      Run r = quantize(model, out, npy.toString());
      assertEquals(0, r.status(), r.err());
      assertEquals(
          List.of("conv1d/kernel", "dense/kernel"),
          List.copyOf(ExportedWeights.assertOnDeclaredGrid(out, "serving_default").keySet()));
    }
  }

  private Run quantize(Path model, Path out, String... npys) {
    return quantize(model, out, List.of(), npys);
  }

  private Run quantize(Path model, Path out, List<String> options, String... npys) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "quantize",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--calibration",
                "10",
                "--iterations",
                "30",
                "--batch",
                "4"));
    for (String npy : npys) {
      args.add("--calibration-npy");
      args.add(npy);
    }
    args.addAll(options);
    return run(args.toArray(String[]::new));
  }

  private Path npy(String name, long... shape) throws IOException {
    SplittableRandom random = new SplittableRandom(name.hashCode());
    float[] values =
        new float[Math.toIntExact(java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextDouble();
    }
    Path file = dir.resolve(name);
    NpyFiles.writeFloats(file, shape, values);
    return file;
  }

  private static void assertOneLine(Run r, String message) {
    assertEquals(1, r.status(), r.err());
    assertEquals("adaround quantize: " + message + System.lineSeparator(), r.err());
  }
}
