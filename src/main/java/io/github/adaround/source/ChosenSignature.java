package io.github.adaround.source;

import io.github.adaround.error.UserError;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * The signature whose inputs the engine feeds: its input tensors and shapes, and its outputs. A
 * SavedModel's comes from its {@code SignatureDef} ({@link #of}); a frozen or live graph's is the
 * tensors it is fed and read at.
 *
 * @param inputs the inputs, in the signature's key order (a graph's: as named)
 * @param outputs the output tensors, in the signature's key order (a graph's: as named)
 */
record ChosenSignature(List<ModelInput> inputs, List<String> outputs) {

  ChosenSignature {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  /** A signature of one input, {@code input} of shape {@code inputShape}, keyed by its name. */
  ChosenSignature(String input, Shape inputShape, List<String> outputs) {
    this(List.of(new ModelInput(input, input, inputShape)), outputs);
  }

  /**
   * @throws UserError when there is no signature {@code key}, it has no input, or an input's rank
   *     is not known
   */
  static ChosenSignature of(MetaGraphDef graph, String key) {
    SignatureDef signature = graph.getSignatureDefMap().get(key);
    if (signature == null) {
      throw new UserError("no signature '" + key + "'");
    }
    if (signature.getInputsCount() < 1) {
      throw new UserError("signature '" + key + "' has no input");
    }
    List<ModelInput> inputs =
        signature.getInputsMap().keySet().stream()
            .sorted()
            .map(k -> input(key, k, signature.getInputsMap().get(k)))
            .toList();
    List<String> outputs =
        signature.getOutputsMap().keySet().stream()
            .sorted()
            .map(k -> signature.getOutputsMap().get(k).getName())
            .toList();
    return new ChosenSignature(inputs, outputs);
  }

  private static ModelInput input(String signature, String key, TensorInfo input) {
    TensorShapeProto shape = input.getTensorShape();
    if (shape.getUnknownRank() || shape.getDimCount() < 1) {
      throw new UserError(
          "signature '"
              + signature
              + "' must declare the shape [batch, ...] of input '"
              + key
              + "'");
    }
    long[] dims = shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
    return new ModelInput(key, input.getName(), Shape.of(dims));
  }
}
