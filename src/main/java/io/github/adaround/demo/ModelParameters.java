package io.github.adaround.demo;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Values for a list of {@link Parameter}s, immutable. */
public final class ModelParameters {
  private final List<Parameter> parameters;
  private final Map<String, float[]> values;

  /**
   * @param parameters the tensors, in order
   * @param values their values by name, row-major; copied
   */
  public ModelParameters(List<Parameter> parameters, Map<String, float[]> values) {
    this.parameters = List.copyOf(parameters);
    Map<String, float[]> copy = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      float[] v = values.get(p.name());
      if (v == null || v.length != p.size()) {
        throw new IllegalArgumentException("no values of the right size for " + p);
      }
      copy.put(p.name(), v.clone());
    }
    this.values = Collections.unmodifiableMap(copy);
  }

  /**
   * Glorot-uniform kernels, zero biases and unit batch-norm scales, drawn from {@code seed}: the
   * same seed gives the same values.
   */
  static ModelParameters glorotUniform(List<Parameter> parameters, long seed) {
    Random random = new Random(seed);
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Parameter p : parameters) {
      float[] v = new float[p.size()];
      if (p.init() == Parameter.Init.ONES) {
        Arrays.fill(v, 1f);
      } else if (p.init() == Parameter.Init.GLOROT_UNIFORM) {
        double limit = Math.sqrt(6.0 / (p.fanIn() + p.fanOut()));
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) ((2 * random.nextDouble() - 1) * limit);
        }
      }
      values.put(p.name(), v);
    }
    return new ModelParameters(parameters, values);
  }

  /** The tensors, in order. */
  public List<Parameter> parameters() {
    return parameters;
  }

  /** A copy of the values of one tensor. */
  public float[] values(String name) {
    float[] v = values.get(name);
    if (v == null) {
      throw new IllegalArgumentException("no parameter " + name);
    }
    return v.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelParameters other) || !parameters.equals(other.parameters)) {
      return false;
    }
    for (Parameter p : parameters) {
      if (!Arrays.equals(values.get(p.name()), other.values.get(p.name()))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = parameters.hashCode();
    for (float[] v : values.values()) {
      h = 31 * h + Arrays.hashCode(v);
    }
    return h;
  }
}
