package io.github.adaround.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.error.ModelException;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.kws.KeywordSpotter;
import io.github.adaround.tf.TensorData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/** Frozen GraphDefs made by others: read, written and exported as the same kind of file. */
class FrozenGraphTest {
  static final Path CIFAR = Path.of("src", "test", "resources", "models", "mlnet-cifar");
  static final Path CIFAR_GRAPH = CIFAR.resolve("mlnet-cifar-frozen.pb");

  @TempDir Path dir;

  private static ModelSource keywordSpotter() throws ModelException {
    return ModelSources.openFrozen(
        KeywordSpotter.GRAPH,
        KeywordSpotter.FEATURES,
        List.of(KeywordSpotter.SCORES),
        null,
        Set.of());
  }

  @Test
  void layersOfTheKeywordSpotterAreItsConvolutionsAndHeadWithTheirConstantsAsWeights()
      throws Exception {
    try (ModelSource kws = keywordSpotter()) {
      List<QuantizableLayer> layers = LayerInspector.inspect(kws.graph(), kws.outputTensors());

      assertEquals(10, layers.size());
      assertEquals("MobileNet/conv_1/weights", layers.get(0).weight());
      assertEquals("MobileNet/conv_1/biases", layers.get(0).bias());
      assertEquals("Reshape_1:0", layers.get(0).input());
      assertEquals("MobileNet/fc1/weights", layers.get(9).weight());
      assertEquals(
          List.of(5L, 4L),
          List.of(
              layers.stream().filter(l -> l.op().equals("Conv2D")).count(),
              layers.stream().filter(l -> l.op().equals("DepthwiseConv2dNative")).count()));
      assertArrayEquals(
          new long[] {-1, 49, 10, 1}, kws.inputShape().asArray(), "a fed tensor takes any batch");
      GraphDef file = GraphDef.parseFrom(Files.readAllBytes(KeywordSpotter.GRAPH));
      for (QuantizableLayer layer : layers) {
        assertArrayEquals(constant(file, layer.weight()), kws.read(layer.weight()), layer.weight());
      }
    }
  }

  @Test
  void aPlaceholderInputKeepsItsShapeAndAnAddOfAConstantIsTheBias() throws Exception {
    try (ModelSource cifar =
        ModelSources.openFrozen(CIFAR_GRAPH, "Input", List.of("Output"), null, Set.of())) {
      List<QuantizableLayer> layers = LayerInspector.inspect(cifar.graph(), cifar.outputTensors());

      assertArrayEquals(new long[] {-1, 32, 32, 3}, cifar.inputShape().asArray());
      assertEquals(List.of("Wconv1", "W1"), layers.stream().map(QuantizableLayer::weight).toList());
      assertEquals("bconv1", layers.get(0).bias());
      assertEquals("Relu", layers.get(0).activation());
      assertEquals(null, layers.get(1).bias());
    }
  }

  /**
   * The export is the input file with the written constants' values replaced: every other node as
   * it was, and the exported graph computes what the written session computes.
   */
  @Test
  void theExportIsTheSameGraphWithTheWrittenConstantsReplaced() throws Exception {
    Path out = dir.resolve("out");
    float[] features = new float[3 * 490];
    for (int i = 0; i < features.length; i++) {
      features[i] = (i % 23) - 11f;
    }
    float[] expected;
    float[] written;
    try (ModelSource kws = keywordSpotter()) {
      String weight = "MobileNet/conv_ds_1/pointwise_conv/weights";
      written = kws.read(weight);
      for (int i = 0; i < written.length; i++) {
        written[i] = Math.round(written[i] * 8) / 8f;
      }
      kws.write(weight, Shape.of(1, 1, 64, 64), written);
      expected = scores(kws, features);
      kws.export(out);
    }

    Path exported = out.resolve("ds-cnn-s-frozen.pb");
    Map<String, NodeDef> before =
        nodes(GraphDef.parseFrom(Files.readAllBytes(KeywordSpotter.GRAPH)));
    Map<String, NodeDef> after = nodes(GraphDef.parseFrom(Files.readAllBytes(exported)));
    assertEquals(before.keySet(), after.keySet(), "the same node names");
    for (String name : before.keySet()) {
      if (name.equals("MobileNet/conv_ds_1/pointwise_conv/weights")) {
        assertArrayEquals(written, constant(after.get(name)));
      } else {
        assertEquals(before.get(name), after.get(name), name + " as it was");
      }
    }
    try (ModelSource reloaded =
        ModelSources.openFrozen(
            exported, KeywordSpotter.FEATURES, List.of(KeywordSpotter.SCORES), null, Set.of())) {
      assertArrayEquals(expected, scores(reloaded, features));
    }
  }

  @Test
  void badInputGetsOneSentenceNamingTheProblem() throws Exception {
    Path text = Files.writeString(dir.resolve("notes.pb"), "not a graph");
    Path unsafe = dir.resolve("unsafe.pb");
    GraphDef reading =
        GraphDef.parseFrom(Files.readAllBytes(CIFAR_GRAPH)).toBuilder()
            .addNode(NodeDef.newBuilder().setName("secrets").setOp("ReadFile").addInput("Input"))
            .build();
    Files.write(unsafe, reading.toByteArray());

    assertEquals(
        dir.resolve("missing.pb") + ": no such file",
        message(dir.resolve("missing.pb"), "Input", "Output"));
    assertTrue(message(text, "Input", "Output").startsWith(text + ": not a frozen GraphDef"));
    assertEquals(
        CIFAR_GRAPH + ": the graph has no node 'Logits'", message(CIFAR_GRAPH, "Input", "Logits"));
    assertEquals(
        CIFAR_GRAPH + ": node 'Input' has 1 output, so Input:3 names none (NAME:K counts from 0)",
        message(CIFAR_GRAPH, "Input:3", "Output"));
    assertEquals(
        CIFAR_GRAPH + ": node 'Output' has 1 output, so Output:x names none (NAME:K counts from 0)",
        message(CIFAR_GRAPH, "Input", "Output:x"));
    assertEquals(
        unsafe
            + ": refusing to run ops that touch files, processes or the network: ReadFile (secrets)"
            + " (allow one with --allow-op NAME)",
        message(unsafe, "Input", "Output"));
  }

  private static String message(Path file, String input, String output) {
    return assertThrows(
            ModelException.class,
            () -> ModelSources.openFrozen(file, input, List.of(output), null, Set.of()).close())
        .getMessage();
  }

  private static float[] scores(ModelSource model, float[] features) {
    try (TFloat32 x = TensorData.floats(Shape.of(3, 49, 10, 1), features);
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

  private static Map<String, NodeDef> nodes(GraphDef graph) {
    Map<String, NodeDef> nodes = new TreeMap<>();
    graph.getNodeList().forEach(n -> nodes.put(n.getName(), n));
    return nodes;
  }

  static float[] constant(GraphDef graph, String name) {
    return constant(nodes(graph).get(name));
  }

  /** The float values of a {@code Const} node, from its tensor content or its value list. */
  static float[] constant(NodeDef node) {
    var tensor = node.getAttrOrThrow("value").getTensor();
    if (tensor.getFloatValCount() > 0) {
      float[] values = new float[tensor.getFloatValCount()];
      for (int i = 0; i < values.length; i++) {
        values[i] = tensor.getFloatVal(i);
      }
      return values;
    }
    var buffer =
        tensor.getTensorContent().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[buffer.remaining() / 4];
    buffer.asFloatBuffer().get(values);
    return values;
  }
}
