package io.github.adaround.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.tf.TensorData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Runs copies of a model's blocks ({@link SubgraphCopy}, the FP weights as their replacements) and
 * compares them with the model, bit for bit: each block alone, fed the model's own values at its
 * inputs, and all blocks chained from the model's inputs.
 */
final class BlockReplay {
  private final Graph graph;
  private final Session session;
  private final Function<String, float[]> weights;
  private final SubgraphCopy copy;

  /**
   * @param weights reads a weight's FP values by its name
   */
  BlockReplay(Graph graph, Session session, Function<String, float[]> weights) {
    this.graph = graph;
    this.session = session;
    this.weights = weights;
    this.copy = new SubgraphCopy(graph, session);
  }

  /** Random model inputs of these shapes, {@code -1} dimensions taken as 3 (the batch). */
  static Map<String, float[][]> randomInputs(Map<String, Shape> shapes, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, float[][]> inputs = new HashMap<>();
    shapes.forEach(
        (tensor, shape) -> {
          long[] dims = shape.asArray();
          for (int i = 0; i < dims.length; i++) {
            dims[i] = dims[i] < 0 ? 3 : dims[i];
          }
          float[] values = new float[Math.toIntExact(Shape.of(dims).size())];
          for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble();
          }
          inputs.put(tensor, new float[][] {toFloats(dims), values});
        });
    return inputs;
  }

  /**
   * Checks every block alone, then the chain of all blocks, against the model run on {@code inputs}
   * (as {@link #randomInputs} gives them): the model's own values at each block's inputs and
   * outputs are fetched in one run.
   */
  void assertBitExact(List<Block> blocks, Map<String, float[][]> inputs) {
    List<String> tensors = new ArrayList<>(boundaries(blocks));
    tensors.removeAll(inputs.keySet());
    Map<String, float[][]> model = new HashMap<>(run(graph, session, inputs, tensors));
    model.putAll(inputs);
    for (Block block : blocks) {
      try (Graph target = new Graph();
          Session run = new Session(target)) {
        Ops tf = Ops.create(target).withSubScope("block" + block.index());
        Map<String, Operand<?>> fed = new HashMap<>();
        Map<String, String> feedNames = new HashMap<>();
        for (String input : block.inputs()) {
          Placeholder<TFloat32> p = tf.placeholder(TFloat32.class);
          fed.put(input, p);
          feedNames.put(input, p.op().name());
        }
        Output<?> out = copy.copy(tf, fed, block.output(), replacements(tf, block.layers()));
        Map<String, float[][]> feeds = new HashMap<>();
        feedNames.forEach((tensor, name) -> feeds.put(name + ":0", model.get(tensor)));
        Map<String, float[][]> got = run(target, run, feeds, List.of(out.op().name() + ":0"));
        assertSame(
            model.get(block.output()),
            got.values().iterator().next(),
            "block " + block.index() + " at " + block.output());
      }
    }
    try (Graph target = new Graph();
        Session run = new Session(target)) {
      Ops tf = Ops.create(target);
      Map<String, Operand<?>> previous = new HashMap<>();
      Map<String, float[][]> feeds = new HashMap<>();
      for (String input : blocks.get(0).inputs()) {
        Placeholder<TFloat32> p = tf.placeholder(TFloat32.class);
        previous.put(input, p);
        feeds.put(p.op().name() + ":0", inputs.get(input));
      }
      for (Block block : blocks) {
        Ops scoped = tf.withSubScope("block" + block.index());
        List<Output<?>> outs =
            copy.copy(scoped, previous, block.outputs(), replacements(scoped, block.layers()));
        previous = new HashMap<>();
        for (int i = 0; i < outs.size(); i++) {
          previous.put(block.outputs().get(i), outs.get(i));
        }
      }
      Block last = blocks.get(blocks.size() - 1);
      List<String> names = new ArrayList<>();
      for (String output : last.outputs()) {
        Output<?> o = previous.get(output).asOutput();
        names.add(o.op().name() + ":" + o.index());
      }
      Map<String, float[][]> got = run(target, run, feeds, names);
      for (int i = 0; i < names.size(); i++) {
        assertSame(
            model.get(last.outputs().get(i)), got.get(names.get(i)), "chain at " + names.get(i));
      }
    }
  }

  private Map<String, Operand<TFloat32>> replacements(Ops tf, List<QuantizableLayer> layers) {
    Map<String, Operand<TFloat32>> replaced = new HashMap<>();
    for (QuantizableLayer layer : layers) {
      Shape shape = Shape.of(layer.shape());
      Operand<TFloat32> value =
          tf.constant(shape, DataBuffers.of(weights.apply(layer.weight()), true, false));
      // Behind a placeholder with a default, as SubgraphCopy reads variables: a bare constant
      // weight takes another oneDNN kernel (3e-6 off in the bundled model's dense1).
      replaced.put(layer.weight(), tf.placeholderWithDefault(value, shape));
    }
    return replaced;
  }

  private static LinkedHashSet<String> boundaries(List<Block> blocks) {
    LinkedHashSet<String> tensors = new LinkedHashSet<>();
    for (Block block : blocks) {
      tensors.addAll(block.inputs());
      tensors.addAll(block.outputs());
    }
    return tensors;
  }

  /** Runs {@code fetches} with {@code feeds}; each value as {shape, values}. */
  static Map<String, float[][]> run(
      Graph graph, Session session, Map<String, float[][]> feeds, List<String> fetches) {
    List<TFloat32> fed = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      feeds.forEach(
          (tensor, value) -> {
            long[] dims = new long[value[0].length];
            for (int i = 0; i < dims.length; i++) {
              dims[i] = (long) value[0][i];
            }
            TFloat32 t = TFloat32.tensorOf(Shape.of(dims), DataBuffers.of(value[1], true, false));
            fed.add(t);
            runner.feed(graph.outputOrThrow(tensor), t);
          });
      fetches.forEach(f -> runner.fetch(graph.outputOrThrow(f)));
      Map<String, float[][]> values = new HashMap<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < fetches.size(); i++) {
          TFloat32 t = (TFloat32) result.get(i);
          float[] data = TensorData.floats(t);
          values.put(fetches.get(i), new float[][] {toFloats(t.shape().asArray()), data});
        }
      }
      return values;
    } finally {
      fed.forEach(TFloat32::close);
    }
  }

  private static void assertSame(float[][] expected, float[][] actual, String what) {
    assertArrayEquals(expected[0], actual[0], 0f, what + ": shape");
    float max = 0;
    for (int i = 0; i < expected[1].length; i++) {
      max = Math.max(max, Math.abs(expected[1][i] - actual[1][i]));
    }
    assertArrayEquals(expected[1], actual[1], 0f, what + ": max difference " + max);
  }

  private static float[] toFloats(long[] dims) {
    float[] f = new float[dims.length];
    for (int i = 0; i < dims.length; i++) {
      f[i] = dims[i];
    }
    return f;
  }

  static float[] read(Session session, String variable) {
    try (Result result = session.runner().fetch(variable).run()) {
      return TensorData.floats(result.get(0));
    }
  }
}
