package io.github.adaround.export;

import java.util.List;

/**
 * What a block reconstruction did to one block ({@code --reconstruction block}).
 *
 * @param index the block's place in the model, from 0
 * @param inputs the tensors it reads ({@code op:k})
 * @param outputs the tensors it ends at
 * @param weights its layers' weights, in graph order
 * @param seconds wall time of the block
 * @param errors the mean squared errors of the block's output against the FP output on the
 *     calibration samples, with every weight rounded to nearest and as exported
 * @param exported what was exported: {@code adaround} or {@code nearest}
 */
public record BlockReport(
    int index,
    List<String> inputs,
    List<String> outputs,
    List<String> weights,
    double seconds,
    LayerReport.Errors errors,
    String exported) {

  public BlockReport {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
    weights = List.copyOf(weights);
  }
}
