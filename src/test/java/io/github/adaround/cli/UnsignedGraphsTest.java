package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.demo.TinyDenseModel;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;

/**
 * Graphs without signatures: frozen GraphDefs fed and read at their one candidate, and SavedModels
 * under a tag of their own without SignatureDefs (as TF1 exports write them), opened with {@code
 * --tag}.
 */
class UnsignedGraphsTest {
  private static final Path MLNET =
      Path.of("src", "test", "resources", "models", "mlnet-cifar", "mlnet-cifar-frozen.pb");

  @TempDir Path dir;

  /** mlnet-cifar has one float placeholder and one unread output: neither option is needed. */
  @Test
  void aFrozenGraphIsQuantizedWithoutInputOrOutput() throws Exception {
    Path npy = samples(dir.resolve("cifar.npy"), 24, 32, 32, 3);
    Path out = dir.resolve("q");
    Run r =
        run(
            "quantize",
            "--model",
            MLNET.toString(),
            "--out",
            out.toString(),
            "--calibration-npy",
            npy.toString(),
            "--calibration",
            "20",
            "--iterations",
            "5");

    assertEquals(0, r.status(), r.err());
    try (ModelSource model =
        ModelSources.openFrozen(
            out.resolve("mlnet-cifar-frozen.pb"), List.of(), List.of(), null, Set.of())) {
      assertEquals("Input:0", model.inputTensor());
      assertEquals(List.of("Output:0"), model.outputTensors());
      assertEquals(2, ExportedWeights.assertOnDeclaredGrid(out, model).size());
    }
  }

  /**
   * inspect --json gives the candidates (input_candidates, output_candidates), name, dtype and
   * shape, beside the model's inputs and layers.
   */
  @Test
  void inspectListsTheCandidatesAsJson() {
    Run r = run("inspect", "--model", MLNET.toString(), "--json");

    assertEquals(0, r.status(), r.err());
    JsonObject root = JsonParser.parseString(r.out().strip()).getAsJsonObject();
    JsonObject input = root.getAsJsonArray("input_candidates").get(0).getAsJsonObject();
    assertEquals("Input", input.get("name").getAsString());
    assertEquals("float", input.get("dtype").getAsString());
    assertEquals("[-1,32,32,3]", input.get("shape").toString());
    assertEquals(
        "Output",
        root.getAsJsonArray("output_candidates")
            .get(0)
            .getAsJsonObject()
            .get("name")
            .getAsString());
    JsonObject fed = root.getAsJsonArray("inputs").get(0).getAsJsonObject();
    assertEquals("Input", fed.get("name").getAsString());
    assertEquals("Input:0", fed.get("tensor").getAsString());
    assertEquals(2, root.getAsJsonArray("layers").size());
  }

  /** Two float placeholders: quantize refuses in one sentence naming both; inspect lists them. */
  @Test
  void twoPlaceholdersAreListedAndRefused() throws Exception {
    Path graph = twoInputs(dir.resolve("two.pb"));
    Path npy = samples(dir.resolve("x.npy"), 8, 4);

    Run q =
        run(
            "quantize",
            "--model",
            graph.toString(),
            "--out",
            dir.resolve("q").toString(),
            "--calibration-npy",
            npy.toString());
    assertEquals(1, q.status(), q.err());
    assertEquals(
        "adaround quantize: "
            + graph
            + ": give --input NAME; candidates: a (float [-1,4]), b (float [-1,4])"
            + System.lineSeparator(),
        q.err());

    Run inspect = run("inspect", "--model", graph.toString());
    assertEquals(1, inspect.status(), inspect.err());
    List<String> lines = inspect.out().lines().toList();
    assertTrue(lines.get(0).startsWith("CANDIDATE"), inspect.out());
    assertEquals(
        List.of("input a float [-1,4]", "input b float [-1,4]", "output sum float [-1,2]"),
        lines.subList(1, 4).stream().map(l -> l.replaceAll(" +", " ")).toList());

    Run given = run("inspect", "--model", graph.toString(), "--input", "b");
    assertEquals(0, given.status(), given.err());
    assertTrue(given.out().contains("wb"), given.out());
  }

  /**
   * A SavedModel whose meta graph is tagged {@code myTag} and has no signatures, weights a
   * constant: found with --tag, fed at its one placeholder, and exported under the same tag with
   * its weights on the grid.
   */
  @Test
  void aSignatureLessSavedModelWithConstantWeightsIsQuantizedWithItsTag() throws Exception {
    Path model = unsigned(constantDense(dir.resolve("const")), "myTag");
    assertQuantizedUnderItsTag(model, "wc");
  }

  /** The same with a VariableV2 weight, restored and saved by the model's own saver. */
  @Test
  void aSignatureLessSavedModelWithVariablesIsQuantizedWithItsTag() throws Exception {
    Random random = new Random(3);
    float[] weights = new float[8];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) random.nextGaussian();
    }
    Path model = unsigned(TinyDenseModel.export(dir.resolve("var"), weights), "myTag");
    assertQuantizedUnderItsTag(model, "dense/kernel");
  }

  private void assertQuantizedUnderItsTag(Path model, String weight) throws Exception {
    Path npy = samples(dir.resolve("x.npy"), 24, 4);
    Path out = dir.resolve("q");
    Run r =
        run(
            "quantize",
            "--model",
            model.toString(),
            "--tag",
            "myTag",
            "--out",
            out.toString(),
            "--calibration-npy",
            npy.toString(),
            "--calibration",
            "20",
            "--iterations",
            "5");

    assertEquals(0, r.status(), r.err());
    MetaGraphDef exported =
        SavedModel.parseFrom(Files.readAllBytes(out.resolve("saved_model.pb"))).getMetaGraphs(0);
    assertEquals(List.of("myTag"), exported.getMetaInfoDef().getTagsList());
    assertEquals(0, exported.getSignatureDefCount());
    try (ModelSource quantized =
        ModelSources.openUnsigned(out, "myTag", List.of(), List.of(), null, Set.of())) {
      assertEquals(Set.of(weight), ExportedWeights.assertOnDeclaredGrid(out, quantized).keySet());
    }
  }

  /** A wrong tag is refused in one sentence that lists the tags the file has. */
  @Test
  void aMissingTagListsTheTagsThereAre() throws Exception {
    Path model = unsigned(constantDense(dir.resolve("const")), "myTag");

    Run r = run("inspect", "--model", model.toString());

    assertEquals(1, r.status(), r.err());
    assertEquals(
        "adaround inspect: "
            + model
            + ": no meta graph with tag 'serve' (its tags: myTag; choose one with --tag TAG)"
            + System.lineSeparator(),
        r.err());
  }

  /** {@code model}'s saved_model.pb with its one meta graph tagged {@code tag}, no signatures. */
  static Path unsigned(Path model, String tag) throws Exception {
    Path file = model.resolve("saved_model.pb");
    SavedModel.Builder saved = SavedModel.parseFrom(Files.readAllBytes(file)).toBuilder();
    MetaGraphDef.Builder meta = saved.getMetaGraphsBuilder(0);
    meta.clearSignatureDef();
    meta.getMetaInfoDefBuilder().clearTags().addTags(tag);
    Files.write(file, saved.build().toByteArray());
    return model;
  }

  /** A SavedModel {@code y = x wc}, {@code x} [-1, 4], the weight a constant. */
  private static Path constantDense(Path folder) throws Exception {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<TFloat32> y = tf.withName("y").linalg.matMul(x, weight(tf, "wc", 1));
      SavedModelBundle.exporter(folder.toString())
          .withSession(session)
          .withSignature(Signature.builder("serving_default").input("x", x).output("y", y).build())
          .export();
    }
    return folder;
  }

  /** A frozen graph {@code sum = a wa + b wb}, {@code a} and {@code b} [-1, 4]. */
  private static Path twoInputs(Path file) throws Exception {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> a =
          tf.withName("a").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Placeholder<TFloat32> b =
          tf.withName("b").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      tf.withName("sum")
          .math
          .add(tf.linalg.matMul(a, weight(tf, "wa", 1)), tf.linalg.matMul(b, weight(tf, "wb", 2)));
      Files.write(file, graph.toGraphDef().toByteArray());
    }
    return file;
  }

  private static Operand<TFloat32> weight(Ops tf, String name, long seed) {
    Random random = new Random(seed);
    float[] values = new float[8];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return tf.withName(name).constant(Shape.of(4, 2), DataBuffers.of(values, true, false));
  }

  private static Path samples(Path file, int count, long... shape) throws Exception {
    long[] dims = new long[shape.length + 1];
    dims[0] = count;
    System.arraycopy(shape, 0, dims, 1, shape.length);
    Random random = new Random(0);
    float[] values = new float[Math.toIntExact(Shape.of(dims).size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextFloat();
    }
    NpyFiles.writeFloats(file, dims, values);
    return file;
  }
}
