package io.github.adaround.graph;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.GraphOperation;
import org.tensorflow.Output;

/**
 * Recognises an inference batch norm ({@link BatchNorm}) that reads a layer's output and nothing
 * else of the model's data.
 */
final class BatchNormFinder {

  private static final Set<String> FUSED =
      Set.of("FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3");
  private static final Set<String> ADDS = Set.of("Add", "AddV2");

  /** Ops whose presence makes a tensor depend on the data fed to the model. */
  private static final Set<String> FED = Set.of("Placeholder", "PlaceholderWithDefault");

  private BatchNormFinder() {}

  /** The batch norm that is the only reader of {@code value}, if one is. */
  static Optional<BatchNorm> after(Output<?> value, Optional<GraphOperation> reader) {
    if (reader.isEmpty()) {
      return Optional.empty();
    }
    GraphOperation op = reader.get();
    if (FUSED.contains(op.type())) {
      return fused(value, op);
    }
    if (op.type().equals("Mul")) {
      return mulAdd(value, op);
    }
    return Optional.empty();
  }

  private static Optional<BatchNorm> fused(Output<?> value, GraphOperation op) {
    var attributes = op.attributes();
    if (attributes.getAttrBool("is_training")
        || !attributes.getAttrString("data_format").equals("NHWC")
        || !op.input(0).equals(value)) {
      return Optional.empty();
    }
    List<String> parameters =
        List.of(name(op.input(1)), name(op.input(2)), name(op.input(3)), name(op.input(4)));
    return Optional.of(
        new BatchNorm(
            BatchNorm.Form.FUSED,
            List.of(op.name()),
            parameters,
            attributes.getAttrFloat("epsilon"),
            name(op.output(0))));
  }

  private static Optional<BatchNorm> mulAdd(Output<?> value, GraphOperation mul) {
    Output<?> a = other(mul, value);
    if (a == null || !isParameter(a, true)) {
      return Optional.empty();
    }
    Optional<GraphOperation> add = LayerInspector.soleConsumer(mul.output(0));
    if (add.isEmpty() || !ADDS.contains(add.get().type())) {
      return Optional.empty();
    }
    Output<?> c = other(add.get(), mul.output(0));
    if (c == null || !isParameter(c, false)) {
      return Optional.empty();
    }
    return Optional.of(
        new BatchNorm(
            BatchNorm.Form.MUL_ADD,
            List.of(mul.name(), add.get().name()),
            List.of(name(a), name(c)),
            0f,
            name(add.get().output(0))));
  }

  /** The operand of a binary op that is not {@code value}, or null when both or neither are. */
  private static Output<?> other(GraphOperation op, Output<?> value) {
    boolean first = op.input(0).equals(value);
    boolean second = op.input(1).equals(value);
    if (first == second) {
      return null;
    }
    return first ? op.input(1) : op.input(0);
  }

  /**
   * Whether {@code tensor} is computed without any data fed to the model, and (if {@code
   * throughRsqrt}) through an {@code Rsqrt}, as a batch norm's {@code 1 / sqrt(variance +
   * epsilon)}.
   */
  private static boolean isParameter(Output<?> tensor, boolean throughRsqrt) {
    Set<GraphOperation> seen = new HashSet<>();
    Deque<GraphOperation> pending = new ArrayDeque<>(List.of((GraphOperation) tensor.op()));
    boolean rsqrt = false;
    while (!pending.isEmpty()) {
      GraphOperation op = pending.pop();
      if (!seen.add(op)) {
        continue;
      }
      if (FED.contains(op.type())) {
        return false;
      }
      rsqrt |= op.type().equals("Rsqrt");
      for (int i = 0; i < op.numInputs(); i++) {
        pending.add((GraphOperation) op.input(i).op());
      }
    }
    return rsqrt || !throughRsqrt;
  }

  private static String name(Output<?> output) {
    return output.op().name() + ":" + output.index();
  }
}
