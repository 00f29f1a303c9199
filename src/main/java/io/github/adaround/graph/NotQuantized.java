package io.github.adaround.graph;

/**
 * A layer op on the outputs' path that is not quantized, and why.
 *
 * @param name the op's name (for an op inside a {@code While} body function, the {@code While}'s
 *     name, a slash and the body node's name)
 * @param op the op type, e.g. {@code Conv3D}
 * @param reason why, e.g. {@code unsupported op}
 */
public record NotQuantized(String name, String op, String reason) {

  /** The one line that {@code quantize} prints on stderr. */
  public String line() {
    return "note: not quantized: " + name + " (" + op + "): " + reason;
  }
}
