package io.github.adaround.export;

import com.google.protobuf.ByteString;
import io.github.adaround.tf.OpNames;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Rewrites a flat inference graph so that quantized weights are stored as uint8 codes. Each weight
 * variable {@code W} becomes
 *
 * <pre>
 *   W/codes (VariableV2 uint8) -&gt; Cast float -&gt; + qmin -&gt; * W/scale  named W
 * </pre>
 *
 * so that every op that read {@code W} reads the dequantized value, {@code k * scale}, bit for bit
 * the float weight. The saver scope is dropped (the exporter writes a new saver), as are the
 * assigns of the replaced variables; every variable gets a loader ({@code <var>_value} placeholder
 * and {@code <var>_assign}) when it has none.
 */
final class CodesGraph {

  /** What replaces one weight: its codes and grid. */
  record Coded(
      String variable,
      long[] shape,
      byte[] codes,
      long[] scaleShape,
      float[] scale,
      int quantMin) {}

  private CodesGraph() {}

  static GraphDef rewrite(GraphDef original, Map<String, Coded> coded, String saverScope) {
    Set<String> dropped = new HashSet<>();
    Map<String, Integer> readers = new HashMap<>();
    for (NodeDef node : original.getNodeList()) {
      for (String input : node.getInputList()) {
        readers.merge(OpNames.nodeOf(input), 1, Integer::sum);
      }
    }
    for (NodeDef node : original.getNodeList()) {
      if (node.getName().startsWith(saverScope + "/")) {
        dropped.add(node.getName());
      } else if (node.getOp().equals("Assign")
          && coded.containsKey(OpNames.nodeOf(node.getInput(0)))) {
        dropped.add(node.getName());
        String value = OpNames.nodeOf(node.getInput(1));
        if (readers.getOrDefault(value, 0) == 1) {
          dropped.add(value);
        }
      }
    }
    Set<String> loaded = new HashSet<>();
    for (NodeDef node : original.getNodeList()) {
      if (!dropped.contains(node.getName()) && node.getOp().equals("Assign")) {
        loaded.add(OpNames.nodeOf(node.getInput(0)));
      }
    }

    GraphDef.Builder out = original.toBuilder().clearNode();
    for (NodeDef node : original.getNodeList()) {
      if (dropped.contains(node.getName())) {
        continue;
      }
      Coded c = coded.get(node.getName());
      if (c != null) {
        addDequantize(out, node, c);
      } else {
        out.addNode(withoutControlInputsOn(node, dropped));
        if (node.getOp().equals("VariableV2") && !loaded.contains(node.getName())) {
          addLoader(out, node.getName(), node.getAttrOrThrow("dtype").getType(), node.getDevice());
        }
      }
    }
    return out.build();
  }

  /**
   * {@code node} without its control inputs on dropped nodes (a TF-Java export's {@code Init} runs
   * every initial assign, the dropped ones of the coded weights among them).
   */
  private static NodeDef withoutControlInputsOn(NodeDef node, Set<String> dropped) {
    if (node.getInputList().stream()
        .noneMatch(i -> i.startsWith("^") && dropped.contains(i.substring(1)))) {
      return node;
    }
    NodeDef.Builder kept = node.toBuilder().clearInput();
    for (String input : node.getInputList()) {
      if (!(input.startsWith("^") && dropped.contains(input.substring(1)))) {
        kept.addInput(input);
      }
    }
    return kept.build();
  }

  private static void addDequantize(GraphDef.Builder out, NodeDef weight, Coded c) {
    String w = weight.getName();
    String device = weight.getDevice();
    out.addNode(
        node(w + "/codes", "VariableV2", device)
            .putAttr("dtype", type(DataType.DT_UINT8))
            .putAttr("shape", AttrValue.newBuilder().setShape(shape(c.shape())).build())
            .putAttr("container", AttrValue.newBuilder().setS(ByteString.EMPTY).build())
            .putAttr("shared_name", AttrValue.newBuilder().setS(ByteString.EMPTY).build()));
    addLoader(out, w + "/codes", DataType.DT_UINT8, device);
    out.addNode(
        node(w + "/dequantize/cast", "Cast", device)
            .addInput(w + "/codes")
            .putAttr("SrcT", type(DataType.DT_UINT8))
            .putAttr("DstT", type(DataType.DT_FLOAT))
            .putAttr("Truncate", AttrValue.newBuilder().setB(false).build()));
    out.addNode(
        floatConst(w + "/dequantize/qmin", device, new long[0], new float[] {c.quantMin()}));
    out.addNode(floatConst(w + "/scale", device, c.scaleShape(), c.scale()));
    out.addNode(
        node(w + "/dequantize/integer", "AddV2", device)
            .addInput(w + "/dequantize/cast")
            .addInput(w + "/dequantize/qmin")
            .putAttr("T", type(DataType.DT_FLOAT)));
    out.addNode(
        node(w, "Mul", device)
            .addInput(w + "/dequantize/integer")
            .addInput(w + "/scale")
            .putAttr("T", type(DataType.DT_FLOAT)));
  }

  private static void addLoader(
      GraphDef.Builder out, String variable, DataType dtype, String device) {
    out.addNode(
        node(variable + "_value", "Placeholder", device)
            .putAttr("dtype", type(dtype))
            .putAttr(
                "shape",
                AttrValue.newBuilder()
                    .setShape(TensorShapeProto.newBuilder().setUnknownRank(true))
                    .build()));
    out.addNode(
        node(variable + "_assign", "Assign", device)
            .addInput(variable)
            .addInput(variable + "_value")
            .putAttr("T", type(dtype))
            .putAttr("validate_shape", AttrValue.newBuilder().setB(true).build())
            .putAttr("use_locking", AttrValue.newBuilder().setB(true).build()));
  }

  private static NodeDef.Builder node(String name, String op, String device) {
    return NodeDef.newBuilder().setName(name).setOp(op).setDevice(device);
  }

  private static AttrValue type(DataType t) {
    return AttrValue.newBuilder().setType(t).build();
  }

  private static TensorShapeProto shape(long[] dims) {
    TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
    for (long d : dims) {
      b.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return b.build();
  }

  private static NodeDef floatConst(String name, String device, long[] dims, float[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    TensorProto tensor =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(shape(dims))
            .setTensorContent(ByteString.copyFrom(bytes.array()))
            .build();
    return node(name, "Const", device)
        .putAttr("dtype", type(DataType.DT_FLOAT))
        .putAttr("value", AttrValue.newBuilder().setTensor(tensor).build())
        .build();
  }
}
