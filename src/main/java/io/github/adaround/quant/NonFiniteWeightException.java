package io.github.adaround.quant;

import io.github.adaround.error.UserError;

/**
 * A weight holds NaN or Inf, so it has no grid: observing it is refused (the model is unusable).
 */
final class NonFiniteWeightException extends UserError {
  private static final long serialVersionUID = 1L;

  public NonFiniteWeightException(String weightName) {
    super("weight '" + weightName + "' contains NaN or Inf; quantization needs finite weights");
  }
}
