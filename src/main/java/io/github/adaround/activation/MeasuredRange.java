package io.github.adaround.activation;

/**
 * One activation tensor's encoding and how well it holds the calibration values.
 *
 * @param tensor the tensor, e.g. {@code conv1/Relu:0}
 * @param observedMin the smallest value seen, or 0 when all are above
 * @param observedMax the largest value seen, or 0 when all are below
 * @param encoding the chosen grid
 * @param sqnrDb signal to quantization noise, {@code 10 log10(sum x^2 / sum (x - Q(x))^2)} over
 *     every value seen; positive infinity when the grid holds every value exactly
 */
public record MeasuredRange(
    String tensor,
    float observedMin,
    float observedMax,
    ActivationEncoding encoding,
    double sqnrDb) {}
