package io.github.adaround.block;

import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;

/**
 * Splits a model into blocks: the segments between consecutive cut tensors ({@link CutTensors}),
 * joined so that each holds at least one quantizable layer. A segment without a layer joins the
 * block before it, so a block ends where the next block's first layer begins (at that layer's
 * input, after whatever activation or pooling comes between); segments before the first layer join
 * the first block. A chain of layers gives one block per layer; a residual block's inner tensors
 * are bypassed by its skip, so its layers form one block that ends after the add.
 */
public final class Blocks {

  private Blocks() {}

  /** The blocks of the graph a model source presents, between its inputs and its outputs. */
  public static List<Block> of(ModelSource source) {
    List<String> inputs = source.inputs().stream().map(ModelInput::tensor).toList();
    return of(source.graph(), inputs, source.outputTensors());
  }

  /**
   * The blocks of {@code graph} between the tensors {@code inputs} and {@code outputs}, with the
   * layers {@link LayerInspector#inspect} finds; none when no layer is on the path.
   */
  public static List<Block> of(Graph graph, List<String> inputs, List<String> outputs) {
    return of(graph, inputs, outputs, LayerInspector.inspect(graph, outputs));
  }

  /** As {@link #of(Graph, List, List)}, for the layers {@code layers} of the graph. */
  public static List<Block> of(
      Graph graph, List<String> inputs, List<String> outputs, List<QuantizableLayer> layers) {
    CutTensors cuts = CutTensors.of(graph, inputs, outputs);
    Map<String, QuantizableLayer> byOp = new HashMap<>();
    layers.forEach(layer -> byOp.put(layer.name(), layer));
    List<List<QuantizableLayer>> found = new ArrayList<>();
    for (int s = 1; s < cuts.cuts().size(); s++) {
      List<QuantizableLayer> inSegment = new ArrayList<>();
      for (GraphOperation op : segment(cuts, s)) {
        if (byOp.containsKey(op.name())) {
          inSegment.add(byOp.get(op.name()));
        }
      }
      found.add(inSegment);
    }
    List<Block> blocks = new ArrayList<>();
    int first = 0;
    while (first < found.size()) {
      int start = first;
      while (first < found.size() && found.get(first).isEmpty()) {
        first++;
      }
      if (first == found.size()) {
        break;
      }
      int last = first + 1;
      while (last < found.size() && found.get(last).isEmpty()) {
        last++;
      }
      int from = blocks.isEmpty() ? 0 : start;
      blocks.add(block(blocks.size(), cuts, from, last, found));
      first = last;
    }
    return blocks;
  }

  /** The block of the segments {@code from} (inclusive) to {@code to} (exclusive). */
  private static Block block(
      int index, CutTensors cuts, int from, int to, List<List<QuantizableLayer>> found) {
    List<QuantizableLayer> layers = new ArrayList<>();
    List<String> ops = new ArrayList<>();
    for (int s = from; s < to; s++) {
      layers.addAll(found.get(s));
      segment(cuts, s + 1).forEach(op -> ops.add(op.name()));
    }
    return new Block(
        index, cuts.cuts().get(from).tensors(), cuts.cuts().get(to).tensors(), layers, ops);
  }

  /** The ops between cut {@code s - 1} and cut {@code s}. */
  private static List<GraphOperation> segment(CutTensors cuts, int s) {
    return cuts.ops().subList(cuts.cuts().get(s - 1).position(), cuts.cuts().get(s).position());
  }
}
