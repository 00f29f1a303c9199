package io.github.adaround.block;

import io.github.adaround.graph.GraphOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;

/**
 * The tensors of a flat graph through which every path from the inputs to the outputs passes: the
 * places where a model can be cut into blocks whose only link is that one tensor.
 *
 * <p>The path is every op that reads, through data edges, a value computed from an input, and on
 * which an output depends (constants, variable reads and shape arithmetic of constants are off the
 * path). Walking the path's ops in topological order, the tensors computed so far and still read
 * later are the ones "in flight"; a tensor is a cut where it is the only one in flight, so no edge
 * bypasses it. This is dominance over the path: a tensor read by several ops is still a cut when
 * all its readers meet again after it (the residual add of a residual block), and nothing inside a
 * block whose skip bypasses it is. Control edges do not count.
 *
 * @param ops the ops on the path, in topological order (ops producing the inputs are not on it)
 * @param cuts the inputs (all of them, first; an input that the outputs do not read is never in
 *     flight), then each cut tensor, then the outputs (all of them; one cut when there is one
 *     output), each with its position
 */
public record CutTensors(List<GraphOperation> ops, List<Cut> cuts) {

  /**
   * A place where the path is cut.
   *
   * @param tensors the tensors in flight there ({@code op:k}): one, or the inputs or the outputs
   * @param position how many ops of the path come before it
   */
  public record Cut(List<String> tensors, int position) {
    public Cut {
      tensors = List.copyOf(tensors);
    }
  }

  public CutTensors {
    ops = List.copyOf(ops);
    cuts = List.copyOf(cuts);
  }

  /**
   * The cuts of {@code graph} between {@code inputs} and {@code outputs}.
   *
   * @param inputs tensors ({@code op:k}) that the model is fed at
   * @param outputs tensors ({@code op:k}) that it returns
   * @throws IllegalArgumentException when an output does not depend on the inputs
   */
  public static CutTensors of(Graph graph, List<String> inputs, List<String> outputs) {
    Set<String> fed = new HashSet<>(inputs);
    Set<GraphOperation> path = path(graph, fed, outputs);
    List<GraphOperation> ordered = new ArrayList<>();
    for (GraphOperation op : GraphOrder.topological(graph)) {
      if (path.contains(op)) {
        ordered.add(op);
      }
    }
    Map<String, Integer> readsLeft = new HashMap<>();
    for (GraphOperation op : ordered) {
      for (Operand<?> input : op.inputs()) {
        String tensor = name(input.asOutput());
        if (fed.contains(tensor) || path.contains((GraphOperation) input.op())) {
          readsLeft.merge(tensor, 1, Integer::sum);
        }
      }
    }
    for (String output : outputs) {
      if (!fed.contains(output) && !path.contains(graph.outputOrThrow(output).op())) {
        throw new IllegalArgumentException("output " + output + " does not depend on the inputs");
      }
      readsLeft.merge(output, 1, Integer::sum);
    }
    List<Cut> cuts = new ArrayList<>();
    cuts.add(new Cut(inputs, 0));
    Set<String> inFlight = new LinkedHashSet<>();
    for (String input : inputs) {
      if (readsLeft.getOrDefault(input, 0) > 0) {
        inFlight.add(input);
      }
    }
    for (int i = 0; i < ordered.size(); i++) {
      GraphOperation op = ordered.get(i);
      for (Operand<?> input : op.inputs()) {
        String tensor = name(input.asOutput());
        if (readsLeft.containsKey(tensor) && readsLeft.merge(tensor, -1, Integer::sum) == 0) {
          inFlight.remove(tensor);
        }
      }
      for (int k = 0; k < op.numOutputs(); k++) {
        String tensor = op.name() + ":" + k;
        if (readsLeft.getOrDefault(tensor, 0) > 0) {
          inFlight.add(tensor);
        }
      }
      if (inFlight.size() == 1
          && i < ordered.size() - 1
          && !cuts.get(cuts.size() - 1).tensors().containsAll(inFlight)) {
        cuts.add(new Cut(List.copyOf(inFlight), i + 1));
      }
    }
    cuts.add(new Cut(outputs, ordered.size()));
    return new CutTensors(ordered, cuts);
  }

  /** The single cut tensors, in path order, without the inputs and outputs. */
  public List<String> tensors() {
    List<String> tensors = new ArrayList<>();
    for (Cut cut : cuts.subList(1, cuts.size() - 1)) {
      tensors.add(cut.tensors().get(0));
    }
    return tensors;
  }

  /** The ops that read an input's value, through data edges, and that an output depends on. */
  private static Set<GraphOperation> path(
      Graph graph, Set<String> inputs, Collection<String> outputs) {
    Set<GraphOperation> upstream = new HashSet<>();
    Deque<Output<?>> pending = new ArrayDeque<>();
    for (String output : outputs) {
      pending.add(graph.outputOrThrow(output));
    }
    while (!pending.isEmpty()) {
      Output<?> tensor = pending.pop();
      GraphOperation op = (GraphOperation) tensor.op();
      if (inputs.contains(name(tensor)) || !upstream.add(op)) {
        continue;
      }
      for (Operand<?> input : op.inputs()) {
        pending.add(input.asOutput());
      }
    }
    Set<GraphOperation> downstream = new HashSet<>();
    Deque<GraphOperation> next = new ArrayDeque<>();
    for (String input : inputs) {
      Output<?> tensor = graph.outputOrThrow(input);
      next.addAll(((GraphOperation) tensor.op()).consumers(tensor.index()));
    }
    while (!next.isEmpty()) {
      GraphOperation op = next.pop();
      if (!upstream.contains(op) || !downstream.add(op)) {
        continue;
      }
      for (int k = 0; k < op.numOutputs(); k++) {
        next.addAll(op.consumers(k));
      }
    }
    return downstream;
  }

  static String name(Output<?> tensor) {
    return tensor.op().name() + ":" + tensor.index();
  }
}
