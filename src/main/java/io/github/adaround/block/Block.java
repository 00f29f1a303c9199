package io.github.adaround.block;

import io.github.adaround.graph.QuantizableLayer;
import java.util.List;

/**
 * A part of a model between two cut tensors ({@link CutTensors}) that holds at least one
 * quantizable layer: what a block reconstruction copies ({@link SubgraphCopy}) and trains as one.
 *
 * @param index the block's place in the model, from 0
 * @param inputs the tensors it reads from before it ({@code op:k}): one cut tensor, or, for the
 *     first block, the model's inputs
 * @param outputs the tensor it ends at: one cut tensor (the next block's input), or, for the last
 *     block, the model's outputs
 * @param layers its quantizable layers, in graph order
 * @param ops the names of its ops on the model's path from the inputs to the outputs, in
 *     topological order (the constants and variable reads they take are not listed)
 */
public record Block(
    int index,
    List<String> inputs,
    List<String> outputs,
    List<QuantizableLayer> layers,
    List<String> ops) {

  public Block {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    layers = List.copyOf(layers);
    ops = List.copyOf(ops);
  }

  /**
   * The one tensor the block ends at.
   *
   * @throws IllegalStateException for a last block that ends at several model outputs
   */
  public String output() {
    if (outputs.size() != 1) {
      throw new IllegalStateException("block " + index + " ends at several tensors: " + outputs);
    }
    return outputs.get(0);
  }

  /** The names of its layer ops, e.g. {@code conv1/Conv2D}. */
  public List<String> layerNames() {
    return layers.stream().map(QuantizableLayer::name).toList();
  }
}
