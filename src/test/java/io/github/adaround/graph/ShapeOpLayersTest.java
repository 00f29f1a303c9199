package io.github.adaround.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Layers whose weights are read through shape ops, Conv2DTranspose, and the layer ops that are not
 * quantized, found in frozen graphs built with TF-Java.
 */
class ShapeOpLayersTest {
  @TempDir Path dir;

  private static ModelSource open(Path file) throws Exception {
    return ModelSources.openFrozen(
        file, ShapeOpModels.INPUT, List.of(ShapeOpModels.OUTPUT), null, Set.of());
  }

  @Test
  void conv1dTensordotAndAFlatConstantAreFoundOnTheirStoredWeights() throws Exception {
    try (ModelSource source = open(ShapeOpModels.conv1dAndTensordot(dir.resolve("c.pb")))) {
      List<QuantizableLayer> layers =
          LayerInspector.inspect(source.graph(), source.outputTensors());
      assertEquals(3, layers.size(), layers.toString());
      QuantizableLayer conv = layers.get(0);
      assertEquals("conv1d_Conv2D", conv.name());
      assertEquals("conv1d_kernel", conv.weight());
      assertArrayEquals(new long[] {3, 3, 4}, conv.shape());
      assertArrayEquals(new long[] {1, 3, 3, 4}, conv.kernel());
      assertEquals("conv1d_bias", conv.bias());
      assertEquals("Relu", conv.activation());
      assertEquals("conv1d_ExpandDims:0", conv.input());
      QuantizableLayer dense = layers.get(1);
      assertEquals("dense_kernel", dense.weight());
      assertArrayEquals(new long[] {4, 5}, dense.kernel());
      QuantizableLayer flat = layers.get(2);
      assertEquals("flat_weights", flat.weight());
      assertArrayEquals(new long[] {120}, flat.shape());
      assertArrayEquals(new long[] {40, 3}, flat.kernel());
      assertEquals(List.of(), LayerInspector.notQuantized(source.graph(), source.outputTensors()));
    }
  }

  @Test
  void aConv2dTransposeIsFoundAndAConv3dIsListedAsUnsupported() throws Exception {
    try (ModelSource source = open(ShapeOpModels.transposeAndConv3d(dir.resolve("t.pb")))) {
      List<QuantizableLayer> layers =
          LayerInspector.inspect(source.graph(), source.outputTensors());
      assertEquals(
          List.of("deconv_conv2d_transpose", "head_MatMul"),
          layers.stream().map(QuantizableLayer::name).toList());
      assertEquals("Conv2DBackpropInput", layers.get(0).op());
      assertEquals("x:0", layers.get(0).input());
      assertEquals("deconv_bias", layers.get(0).bias());
      assertEquals(
          List.of(new NotQuantized("conv3d_Conv3D", "Conv3D", "unsupported op")),
          LayerInspector.notQuantized(source.graph(), source.outputTensors()));
    }
  }

  @Test
  void aLayerInsideAWhileLoopIsListedAndNotFound() throws Exception {
    try (ModelSource source = open(ShapeOpModels.whileLoop(dir.resolve("w.pb")))) {
      List<QuantizableLayer> layers =
          LayerInspector.inspect(source.graph(), source.outputTensors());
      assertEquals(
          List.of("pre_MatMul", "post_MatMul"),
          layers.stream().map(QuantizableLayer::name).toList());
      List<NotQuantized> skipped =
          LayerInspector.notQuantized(source.graph(), source.outputTensors());
      assertEquals(1, skipped.size(), skipped.toString());
      assertEquals("MatMul", skipped.get(0).op());
      assertEquals("inside a while loop", skipped.get(0).reason());
    }
  }

  /**
   * The face-landmark net (a TF1 SavedModel under another tag, without signatures, its weights flat
   * constants reshaped into kernels), its graph read as a frozen graph: every layer is found on its
   * flat constant.
   */
  @Test
  void theFaceLandmarkNetsFlatConstantsAreItsWeights() throws Exception {
    Path model = Path.of("src/test/resources/models/face-landmarks-const-tf1/saved_model.pb");
    Path frozen = dir.resolve("face.pb");
    Files.write(
        frozen,
        SavedModel.parseFrom(Files.readAllBytes(model))
            .getMetaGraphs(0)
            .getGraphDef()
            .toByteArray());
    try (ModelSource source =
        ModelSources.openFrozen(frozen, "input", List.of("output"), null, Set.of())) {
      List<QuantizableLayer> layers =
          LayerInspector.inspect(source.graph(), source.outputTensors());
      assertEquals(32, layers.size());
      assertEquals(15, layers.stream().filter(l -> l.op().equals("DepthwiseConv2dNative")).count());
      assertEquals(16, layers.stream().filter(l -> l.op().equals("Conv2D")).count());
      for (QuantizableLayer layer : layers) {
        assertEquals(1, layer.shape().length, layer.toString());
        assertEquals(layer.op().equals("MatMul") ? 2 : 4, layer.kernel().length);
      }
      assertEquals(List.of(), LayerInspector.notQuantized(source.graph(), source.outputTensors()));
    }
  }

  /** A MatMul in the body function of a {@code StatelessWhile} is listed, named under the loop. */
  @Test
  void aLayerInAWhileBodyFunctionIsListed() {
    try (Graph graph = new org.tensorflow.Graph()) {
      Ops tf = Ops.create(graph);
      ConcreteFunction cond =
          ConcreteFunction.create(
              b -> {
                var i = b.placeholder(TInt32.class);
                var h = b.placeholder(TFloat32.class);
                return Signature.builder()
                    .input("i", i)
                    .input("h", h)
                    .output("c", b.math.less(i, b.constant(3)))
                    .build();
              });
      ConcreteFunction body =
          ConcreteFunction.create(
              b -> {
                var i = b.placeholder(TInt32.class);
                var h = b.placeholder(TFloat32.class);
                var w = b.constant(new float[][] {{1, 0}, {0, 1}});
                return Signature.builder()
                    .input("i", i)
                    .input("h", h)
                    .output("i2", b.math.add(i, b.constant(1)))
                    .output("h2", b.withName("dense").linalg.matMul(h, w))
                    .build();
              });
      var x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      var loop = tf.withName("loop").statelessWhile(List.of(tf.constant(0), x), cond, body);
      tf.withName("y").identity(loop.output().get(1));

      List<NotQuantized> skipped = LayerInspector.notQuantized(graph, List.of("y:0"));
      assertEquals(1, skipped.size(), skipped.toString());
      assertEquals("MatMul", skipped.get(0).op());
      assertTrue(skipped.get(0).name().startsWith("loop/"), skipped.toString());
      assertTrue(skipped.get(0).reason().startsWith("inside a while loop"), skipped.toString());
    }
  }
}
