package io.github.adaround.activation;

import java.util.List;
import java.util.Map;

/**
 * The tensors of a model's inference path that an integer runtime holds as integers.
 *
 * @param quantized the tensors with an encoding of their own, in graph order: the model input, each
 *     layer's output after what runtimes fuse into it, and the outputs of the other ops that
 *     produce new values
 * @param aliases tensors that only rearrange one of the quantized tensors ({@code Reshape}, {@code
 *     Identity}, ...), each mapped to that tensor, whose encoding they keep
 */
public record ActivationTensors(List<String> quantized, Map<String, String> aliases) {

  public ActivationTensors {
    quantized = List.copyOf(quantized);
    aliases = Map.copyOf(aliases);
  }

  /** The quantized tensor whose values {@code tensor} holds: itself, or the one it aliases. */
  String sourceOf(String tensor) {
    String name = tensor.contains(":") ? tensor : tensor + ":0";
    String source = aliases.getOrDefault(name, name);
    if (!quantized.contains(source)) {
      throw new IllegalArgumentException(tensor + " is not an activation tensor");
    }
    return source;
  }
}
