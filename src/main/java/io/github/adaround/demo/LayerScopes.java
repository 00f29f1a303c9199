package io.github.adaround.demo;

import java.util.HashMap;
import java.util.Map;
import org.tensorflow.op.Ops;

/**
 * One name scope per layer, created once and shared by the layer's variables and ops, so that a
 * layer's weights and computation sit under the same prefix ({@code conv1/kernel}, {@code
 * conv1/Conv2d}) rather than under uniquified copies of it.
 */
final class LayerScopes {
  private final Ops root;
  private final Map<String, Ops> layers = new HashMap<>();

  /** Scopes under {@code root}. */
  public LayerScopes(Ops root) {
    this.root = root;
  }

  /** The scope everything is built under. */
  public Ops root() {
    return root;
  }

  /** The scope of one layer, the same object each time. */
  public Ops layer(String name) {
    return layers.computeIfAbsent(name, root::withSubScope);
  }
}
