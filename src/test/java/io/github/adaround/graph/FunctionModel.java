package io.github.adaround.graph;

import java.util.List;
import java.util.Map;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.types.TFloat32;

/**
 * A graph laid out like a TF2 SavedModel's, built from Java: resource variables {@code kernel}
 * (4x4) and {@code head/kernel} (4x3) at top level, passed as arguments to a {@code
 * StatefulPartitionedCall} of function {@code model}, which calls function {@code dense} twice with
 * {@code kernel} (a shared weight, nested calls) and then multiplies by {@code head/kernel}. {@code
 * dense(x, w)} is {@code ReadVariableOp}, {@code MatMul}, {@code Relu}, then a {@code
 * FusedBatchNormV3} in inference mode whose second output ({@code batch_mean}) is added to its
 * first: a body reference {@code bn:batch_mean:0} that is output 1 of the op.
 */
final class FunctionModel implements AutoCloseable {

  static final String INPUT = "input";
  static final String OUTPUT = "call";

  final Graph graph = new Graph();
  final Session session = new Session(graph);
  private final ConcreteFunction dense;
  private final ConcreteFunction model;

  /**
   * @param batch the input's batch size, -1 for any
   */
  FunctionModel(long batch) {
    dense = dense();
    model = model(dense);
    Ops tf = Ops.create(graph);
    graph.attachFunction(dense);
    graph.attachFunction(model);
    Placeholder<TFloat32> x =
        tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(batch, 4)));
    VarHandleOp kernel = variable(tf, "kernel", Shape.of(4, 4));
    VarHandleOp head = variable(tf, "head/kernel", Shape.of(4, 3));
    graph
        .opBuilder("StatefulPartitionedCall", OUTPUT, graph.baseScope())
        .addInputList(new Output<?>[] {x.output(), kernel.resource(), head.resource()})
        .setAttr(
            "f",
            AttrValue.newBuilder()
                .setFunc(NameAttrList.newBuilder().setName(model.getDefinedName()))
                .build())
        .setAttr(
            "Tin", new DataType[] {DataType.DT_FLOAT, DataType.DT_RESOURCE, DataType.DT_RESOURCE})
        .setAttr("Tout", new DataType[] {DataType.DT_FLOAT})
        .build();
    assignWeights(graph, session);
  }

  /** Sets {@code kernel} and {@code head/kernel} of a graph that has them (this or a copy). */
  static void assignWeights(Graph g, Session s) {
    float[] k = new float[16];
    for (int i = 0; i < k.length; i++) {
      k[i] = (float) Math.sin(i + 1) / 2;
    }
    float[] h = new float[12];
    for (int i = 0; i < h.length; i++) {
      h[i] = (float) Math.cos(i + 1) / 3;
    }
    Ops tf = Ops.create(g).withSubScope("init");
    s.runner()
        .addTarget(
            tf.assignVariableOp(
                g.operationOrThrow("kernel").output(0), constant(tf, Shape.of(4, 4), k)))
        .addTarget(
            tf.assignVariableOp(
                g.operationOrThrow("head/kernel").output(0), constant(tf, Shape.of(4, 3), h)))
        .run();
  }

  private static VarHandleOp variable(Ops tf, String name, Shape shape) {
    Ops scoped =
        name.contains("/")
            ? tf.withSubScope(name.substring(0, name.lastIndexOf('/')))
                .withName(name.substring(name.lastIndexOf('/') + 1))
            : tf.withName(name);
    return scoped.varHandleOp(TFloat32.class, shape, VarHandleOp.sharedName(name));
  }

  private static Operand<TFloat32> constant(Ops tf, Shape shape, float[] values) {
    return tf.constant(shape, DataBuffers.of(values, true, false));
  }

  private static Output<?> resourceArgument(Graph g, String name) {
    return g.opBuilder("Placeholder", name, g.baseScope())
        .setAttr("dtype", DataType.DT_RESOURCE)
        .build()
        .output(0);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ConcreteFunction dense() {
    Graph g = new Graph();
    Ops f = Ops.create(g);
    Placeholder<TFloat32> x = f.withName("x").placeholder(TFloat32.class);
    Output<?> w = resourceArgument(g, "w");
    Operand<TFloat32> y =
        f.withName("Relu")
            .nn
            .relu(
                f.withName("MatMul")
                    .linalg
                    .matMul(x, f.readVariableOp((Operand) w, TFloat32.class)));
    Operand<TFloat32> image = f.reshape(y, f.constant(new int[] {-1, 1, 1, 4}));
    FusedBatchNorm<TFloat32, TFloat32> bn =
        f.withName("bn")
            .nn
            .fusedBatchNorm(
                image,
                f.constant(new float[] {1f, 0.5f, 2f, 1.5f}),
                f.constant(new float[] {0.1f, -0.2f, 0f, 0.3f}),
                f.constant(new float[] {0.25f, 0.5f, -0.5f, 1f}),
                f.constant(new float[] {1f, 2f, 0.5f, 4f}),
                FusedBatchNorm.isTraining(false));
    Operand<TFloat32> out =
        f.reshape(f.math.add(bn.y(), bn.batchMean()), f.constant(new int[] {-1, 4}));
    return ConcreteFunction.create(
        Signature.builder("dense").input("x", x).input("w", (Operand) w).output("y", out).build(),
        g);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ConcreteFunction model(ConcreteFunction dense) {
    Graph g = new Graph();
    g.attachFunction(dense);
    Ops f = Ops.create(g);
    Placeholder<TFloat32> x = f.withName("x").placeholder(TFloat32.class);
    Output<?> kernel = resourceArgument(g, "kernel");
    Output<?> head = resourceArgument(g, "head");
    Operand<?> once = dense.call(f, Map.of("x", x, "w", kernel)).get("y");
    Operand<?> twice = dense.call(f, Map.of("x", once, "w", kernel)).get("y");
    Operand<TFloat32> logits =
        f.withName("head_MatMul")
            .linalg
            .matMul((Operand) twice, f.readVariableOp((Operand) head, TFloat32.class));
    return ConcreteFunction.create(
        Signature.builder("model")
            .input("x", x)
            .input("kernel", (Operand) kernel)
            .input("head", (Operand) head)
            .output("logits", logits)
            .build(),
        g);
  }

  /** The names of the graph's nodes that call functions. */
  List<String> callNodes() {
    return graph.toGraphDef().getNodeList().stream()
        .filter(n -> n.getOp().endsWith("PartitionedCall"))
        .map(n -> n.getName())
        .toList();
  }

  GraphOperation output() {
    return graph.operationOrThrow(OUTPUT);
  }

  @Override
  public void close() {
    session.close();
    graph.close();
    model.close();
    dense.close();
  }
}
