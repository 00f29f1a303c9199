package io.github.adaround.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.block.BlockModels.Model;
import io.github.adaround.cli.UnetModel;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Blocks found in a model's graph, and copies of each block (with the FP weights) that compute the
 * model's own tensors bit for bit, alone and chained.
 */
class BlocksTest {
  private static final Map<String, Shape> IMAGES = Map.of(Model.INPUT, Shape.of(-1, 8, 8, 3));

  @TempDir Path dir;

  /** A chain of layers: one layer per block, each ending at the next layer's input. */
  @Test
  void aChainGivesOneBlockPerLayerEndingAtTheNextLayersInput() {
    try (Model model = BlockModels.chain()) {
      List<Block> blocks = blocks(model);

      assertEquals(3, blocks.size());
      assertEquals(List.of("c1/Conv2d"), blocks.get(0).layerNames());
      assertEquals(List.of("c2/Conv2d"), blocks.get(1).layerNames());
      assertEquals(List.of("dense/MatMul"), blocks.get(2).layerNames());
      assertEquals(List.of(Model.INPUT), blocks.get(0).inputs());
      for (int i = 0; i < 2; i++) {
        String next = blocks.get(i + 1).layers().get(0).input();
        assertEquals(next, blocks.get(i).output());
        assertEquals(List.of(next), blocks.get(i + 1).inputs());
      }
      assertEquals("Relu:0", blocks.get(0).output());
      assertEquals(List.of(Model.OUTPUT), blocks.get(2).outputs());
      replay(model).assertBitExact(blocks, BlockReplay.randomInputs(IMAGES, 1));
    }
  }

  /** An input that the output does not read cuts nothing: the chain's blocks stay as they were. */
  @Test
  void anUnreadInputIsAmongTheFirstBlocksInputsOnly() {
    try (Model model = BlockModels.chain()) {
      Ops.create(model.graph()).withName("unread").placeholder(TFloat32.class);
      List<Block> blocks =
          Blocks.of(model.graph(), List.of(Model.INPUT, "unread:0"), List.of(Model.OUTPUT));

      assertEquals(3, blocks.size());
      assertEquals(List.of(Model.INPUT, "unread:0"), blocks.get(0).inputs());
      assertEquals(blocks(model).get(1), blocks.get(1));
    }
  }

  /** A residual net: the two convolutions inside the skip form one block, ending after the add. */
  @Test
  void aResidualNetGivesTheResidualBlock() {
    try (Model model = BlockModels.residual()) {
      List<Block> blocks = blocks(model);

      assertEquals(3, blocks.size());
      assertEquals(List.of("stem/Conv2d"), blocks.get(0).layerNames());
      assertEquals(List.of("res_a/Conv2d", "res_b/Conv2d"), blocks.get(1).layerNames());
      assertEquals(List.of("dense/MatMul"), blocks.get(2).layerNames());
      assertEquals(List.of("BiasAdd:0"), blocks.get(1).inputs());
      assertEquals(blocks.get(2).layers().get(0).input(), blocks.get(1).output());
      assertTrue(blocks.get(1).ops().contains("Add"));
      replay(model).assertBitExact(blocks, BlockReplay.randomInputs(IMAGES, 2));
    }
  }

  /** A MobileNetV2 inverted residual: expand, depthwise and project in one block. */
  @Test
  void anInvertedResidualIsOneBlockOfThreeLayers() {
    try (Model model = BlockModels.invertedResidual()) {
      List<Block> blocks = blocks(model);

      assertEquals(3, blocks.size());
      assertEquals(
          List.of("expand/Conv2d", "dw/DepthwiseConv2dNative", "project/Conv2d"),
          blocks.get(1).layerNames());
      assertEquals(List.of("Relu6:0"), blocks.get(1).inputs());
      assertEquals(blocks.get(2).layers().get(0).input(), blocks.get(1).output());
      assertTrue(blocks.get(1).ops().contains("Add"));
      replay(model).assertBitExact(blocks, BlockReplay.randomInputs(IMAGES, 3));
    }
  }

  /**
   * The U-Net: its transposed convolution's output size is computed from the shape of the model's
   * input, an edge that bypasses every tensor of the encoder, and its skip bypasses the rest up to
   * the concat. So the first block runs from the input to the concat (four layers); then each
   * decoder layer is a block.
   */
  @Test
  void theUnetsFirstBlockRunsFromItsInputToTheSkipsConcat() throws Exception {
    Path folder = UnetModel.write(dir.resolve("unet"), 16, 5);
    try (ModelSource source = ModelSources.open(folder, "serving_default", Set.of())) {
      List<Block> blocks = Blocks.of(source);

      assertEquals(3, blocks.size());
      assertEquals(4, blocks.get(0).layers().size());
      assertEquals("Conv2DBackpropInput", blocks.get(0).layers().get(3).op());
      assertEquals("ConcatV2", source.graph().outputOrThrow(blocks.get(0).output()).op().type());
      assertEquals(1, blocks.get(1).layers().size());
      assertEquals(1, blocks.get(2).layers().size());
      new BlockReplay(source.graph(), source.session(), source::read)
          .assertBitExact(blocks, BlockReplay.randomInputs(shapes(source), 4));
    }
  }

  /** The bundled CNN: a chain, one layer per block (the pools in the blocks before them). */
  @Test
  void theBundledModelIsAChainOfFiveBlocks() throws Exception {
    try (ModelSource source =
        ModelSources.open(Path.of("models", "fashion-mnist-cnn"), "serving_default", Set.of())) {
      List<Block> blocks = Blocks.of(source);

      assertEquals(5, blocks.size());
      for (Block block : blocks) {
        assertEquals(1, block.layers().size(), block.toString());
      }
      for (int i = 0; i + 1 < blocks.size(); i++) {
        assertEquals(blocks.get(i + 1).layers().get(0).input(), blocks.get(i).output());
      }
      new BlockReplay(source.graph(), source.session(), source::read)
          .assertBitExact(blocks, BlockReplay.randomInputs(shapes(source), 5));
    }
  }

  private static List<Block> blocks(Model model) {
    return Blocks.of(model.graph(), List.of(Model.INPUT), List.of(Model.OUTPUT));
  }

  private static BlockReplay replay(Model model) {
    return new BlockReplay(
        model.graph(), model.session(), w -> BlockReplay.read(model.session(), w));
  }

  private static Map<String, Shape> shapes(ModelSource source) {
    Map<String, Shape> shapes = new HashMap<>();
    for (ModelInput input : source.inputs()) {
      shapes.put(input.tensor(), input.shape());
    }
    return shapes;
  }
}
