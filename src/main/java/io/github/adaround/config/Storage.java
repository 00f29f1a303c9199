package io.github.adaround.config;

/** How the exported SavedModel stores the quantized weights. */
public enum Storage {
  /** float32 variables holding exactly {@code scale * integer}. */
  FLOAT,
  /**
   * uint8 variables holding {@code integer - qmin}, with the scales and a small dequantize subgraph
   * {@code (float(codes) + qmin) * scale} in place of each weight: a quarter of the bytes, the same
   * outputs bit for bit.
   */
  CODES
}
