package io.github.adaround.activation;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * Rewrites a flat graph into its simulated integer inference: after each encoded activation tensor
 * {@code T} it inserts
 *
 * <pre>
 *   T -&gt; FakeQuantWithMinMaxVars(T, min = rawMin, max = rawMax, num_bits, narrow_range = false)
 * </pre>
 *
 * named {@link #quantizedTensor}, and every op that read {@code T} reads that instead. The kernel
 * nudges the range exactly as {@link ActivationEncoding} describes, and TF's TFLite converter reads
 * the ranges from these ops. Nothing else in the graph changes.
 */
final class FakeQuantGraph {

  private FakeQuantGraph() {}

  /** The tensor that holds {@code tensor}'s quantized values in the rewritten graph. */
  public static String quantizedTensor(String tensor) {
    return quantNode(node(tensor), index(tensor)) + ":0";
  }

  /**
   * @param encodings the grid of each tensor to quantize, by tensor name ({@code conv1/Relu:0})
   */
  public static GraphDef rewrite(GraphDef original, Map<String, ActivationEncoding> encodings) {
    Map<String, String> replaced = new HashMap<>();
    for (String tensor : encodings.keySet()) {
      String node = node(tensor);
      int index = index(tensor);
      String quantized = quantNode(node, index);
      replaced.put(node + ":" + index, quantized);
      if (index == 0) {
        replaced.put(node, quantized);
      }
    }
    GraphDef.Builder out = original.toBuilder().clearNode();
    Map<String, String> devices = new HashMap<>();
    for (NodeDef node : original.getNodeList()) {
      devices.put(node.getName(), node.getDevice());
      NodeDef.Builder rewired = node.toBuilder().clearInput();
      for (String input : node.getInputList()) {
        rewired.addInput(input.startsWith("^") ? input : replaced.getOrDefault(input, input));
      }
      out.addNode(rewired);
    }
    for (Map.Entry<String, ActivationEncoding> entry : encodings.entrySet()) {
      String tensor = entry.getKey();
      ActivationEncoding e = entry.getValue();
      String name = quantNode(node(tensor), index(tensor));
      String device = devices.getOrDefault(node(tensor), "");
      out.addNode(scalar(name + "/min", device, e.rawMin()));
      out.addNode(scalar(name + "/max", device, e.rawMax()));
      out.addNode(
          NodeDef.newBuilder()
              .setName(name)
              .setOp("FakeQuantWithMinMaxVars")
              .setDevice(device)
              .addInput(index(tensor) == 0 ? node(tensor) : tensor)
              .addInput(name + "/min")
              .addInput(name + "/max")
              .putAttr("num_bits", AttrValue.newBuilder().setI(e.bits()).build())
              .putAttr("narrow_range", AttrValue.newBuilder().setB(false).build()));
    }
    return out.build();
  }

  private static String quantNode(String node, int index) {
    return node + (index == 0 ? "/act_quant" : "/act_quant_" + index);
  }

  private static NodeDef scalar(String name, String device, float value) {
    byte[] bytes = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array();
    TensorProto tensor =
        TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.getDefaultInstance())
            .setTensorContent(ByteString.copyFrom(bytes))
            .build();
    return NodeDef.newBuilder()
        .setName(name)
        .setOp("Const")
        .setDevice(device)
        .putAttr("dtype", AttrValue.newBuilder().setType(DataType.DT_FLOAT).build())
        .putAttr("value", AttrValue.newBuilder().setTensor(tensor).build())
        .build();
  }

  private static String node(String tensor) {
    int colon = tensor.lastIndexOf(':');
    return colon < 0 ? tensor : tensor.substring(0, colon);
  }

  private static int index(String tensor) {
    int colon = tensor.lastIndexOf(':');
    return colon < 0 ? 0 : Integer.parseInt(tensor.substring(colon + 1));
  }
}
