package io.github.adaround.source;

import io.github.adaround.error.UserError;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The signature whose input the engine feeds: its one input tensor and shape, and its outputs. A
 * SavedModel's comes from its {@code SignatureDef} ({@link #of}); a frozen or live graph's is the
 * tensors it is fed and read at.
 *
 * @param input the input tensor, e.g. {@code serving_default_input_1:0}
 * @param inputShape its shape, {@code -1} where any size goes
 * @param outputs the output tensors, in the signature's key order (a graph's: as named)
 */
record ChosenSignature(String input, Shape inputShape, List<String> outputs) {

  /**
   * @throws UserError when there is no signature {@code key}, or it does not have exactly one input
   *     of known rank
   */
  static ChosenSignature of(MetaGraphDef graph, String key) {
    SignatureDef signature = graph.getSignatureDefMap().get(key);
    if (signature == null) {
      throw new UserError("no signature '" + key + "'");
    }
    if (signature.getInputsCount() != 1) {
      throw new UserError(
          "signature '" + key + "' must have one input, has " + signature.getInputsCount());
    }
    TensorInfo input = signature.getInputsMap().values().iterator().next();
    TensorShapeProto shape = input.getTensorShape();
    if (shape.getUnknownRank() || shape.getDimCount() < 1) {
      throw new UserError("signature '" + key + "' must declare its input's shape [batch, ...]");
    }
    long[] dims = shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    List<String> outputs =
        signature.getOutputsMap().keySet().stream()
            .sorted()
            .map(k -> signature.getOutputsMap().get(k).getName())
            .toList();
    return new ChosenSignature(input.getName(), Shape.of(dims), outputs);
  }
}
