package io.github.adaround.source;

import io.github.adaround.error.UserError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;

/**
 * The tensors a graph without a signature can be fed and read at: its float placeholders (inputs)
 * and the float tensors that nothing in it reads (outputs). When {@code --input} or {@code
 * --output} is not given, the one candidate is taken; with none or several, the error lists them.
 *
 * @param inputs the float placeholders, in graph order
 * @param outputs the float outputs of ops that no op reads, in graph order
 */
public record GraphEnds(List<Candidate> inputs, List<Candidate> outputs) {

  /** Ops whose unread outputs are no model output. */
  private static final Set<String> NOT_OUTPUTS =
      Set.of("Const", "Placeholder", "PlaceholderWithDefault", "VariableV2", "VarHandleOp");

  /**
   * A tensor that could be an input or an output.
   *
   * @param name {@code node}, or {@code node:k} for an output other than the first
   * @param dtype its element type
   * @param shape its shape as the graph infers it
   */
  public record Candidate(String name, DataType dtype, Shape shape) {
    /** The element type as TF names it in Python, e.g. {@code float}. */
    public String type() {
      return dtype.name().replaceFirst("^DT_", "").toLowerCase();
    }

    /** The shape, e.g. {@code [-1,49,10,1]}, or {@code unknown}. */
    public String dims() {
      return shape.isUnknown() ? "unknown" : shape.toString().replace(", ", ",");
    }

    @Override
    public String toString() {
      return name + " (" + type() + " " + dims() + ")";
    }
  }

  /** The candidates of {@code graph}, imported without its devices. */
  static GraphEnds of(GraphDef graph) {
    try (Graph imported = new Graph()) {
      imported.importGraphDef(Placement.withoutDevices(graph));
      return of(imported);
    } catch (IllegalArgumentException | TensorFlowException e) {
      throw new UserError("the graph does not import into TensorFlow", e);
    }
  }

  /** The candidates of {@code graph}, leaving out what {@link FrozenWeights} added. */
  static GraphEnds of(Graph graph) {
    List<Candidate> inputs = new ArrayList<>();
    List<Candidate> outputs = new ArrayList<>();
    Iterator<GraphOperation> ops = graph.operations();
    while (ops.hasNext()) {
      GraphOperation op = ops.next();
      if (op.name().startsWith(FrozenWeights.SCOPE + "/")) {
        continue;
      }
      if (op.type().equals("Placeholder") && isFloat(op.output(0))) {
        inputs.add(candidate(op.name(), op.output(0)));
      }
      if (NOT_OUTPUTS.contains(op.type())
          || op.numConsumers() > 0
          || op.numControlConsumers() > 0) {
        continue;
      }
      for (int k = 0; k < op.numOutputs(); k++) {
        if (isFloat(op.output(k))) {
          outputs.add(candidate(k == 0 ? op.name() : op.name() + ":" + k, op.output(k)));
        }
      }
    }
    return new GraphEnds(List.copyOf(inputs), List.copyOf(outputs));
  }

  private static boolean isFloat(Output<?> output) {
    return output.dataType() == DataType.DT_FLOAT;
  }

  private static Candidate candidate(String name, Output<?> output) {
    return new Candidate(name, output.dataType(), output.shape());
  }

  /**
   * {@code given}, or the one float placeholder when it is null.
   *
   * @throws UserError when it is null and there is not exactly one candidate
   */
  String input(String given) {
    if (given != null) {
      return given;
    }
    if (inputs.size() == 1) {
      return inputs.get(0).name();
    }
    throw new UserError("give --input NAME; " + listed("float placeholder", inputs));
  }

  /**
   * {@code given}, or the one float placeholder when it is empty.
   *
   * @throws UserError when it is empty and there is not exactly one candidate
   */
  List<String> inputs(List<String> given) {
    return given.isEmpty() ? List.of(input(null)) : given;
  }

  /**
   * {@code given}, or the one unread float output when it is empty.
   *
   * @throws UserError when it is empty and there is not exactly one candidate
   */
  List<String> outputs(List<String> given) {
    if (!given.isEmpty()) {
      return given;
    }
    if (outputs.size() == 1) {
      return List.of(outputs.get(0).name());
    }
    throw new UserError(
        "give --output NAME; " + listed("float output that nothing reads", outputs));
  }

  private static String listed(String what, List<Candidate> candidates) {
    return candidates.isEmpty()
        ? "the graph has no " + what
        : "candidates: "
            + candidates.stream().map(Candidate::toString).collect(Collectors.joining(", "));
  }
}
