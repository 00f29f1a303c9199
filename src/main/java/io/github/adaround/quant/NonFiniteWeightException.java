package io.github.adaround.quant;

/** A weight holds NaN or Inf, so it has no grid: observing it is refused. */
public final class NonFiniteWeightException extends IllegalArgumentException {

  public NonFiniteWeightException(String weightName) {
    super("weight '" + weightName + "' contains NaN or Inf; quantization needs finite weights");
  }
}
