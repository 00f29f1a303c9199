package io.github.adaround.export;

import io.github.adaround.quant.Grid;

/**
 * What the engine did to one layer.
 *
 * @param name the layer op
 * @param op the op type
 * @param weight the weight variable
 * @param shape the weight's shape
 * @param grid how its scales were chosen
 * @param scale the grid's scales, one per channel
 * @param scaleShape the shape the scales broadcast in against the weight
 * @param nearestError mean squared error of the layer output against the FP output on the
 *     calibration samples, with the weight rounded to nearest
 * @param adaroundError the same with the weight as exported (AdaRound's hardened rounding, or
 *     nearest for {@code --nearest})
 * @param softShare share of {@code h(V)} strictly between 0 and 1 before hardening
 * @param changedFromNearest weights whose integer differs from rounding to nearest
 * @param rounding what was exported: {@code adaround} or {@code nearest}
 * @param objective what AdaRound learnt from: {@code minibatch} (the output after the activation on
 *     minibatches) or {@code quadratic} (the pre-activation error over the whole calibration set)
 * @param note why nearest was kept although AdaRound ran, or null
 * @param seconds wall time of the layer
 */
public record LayerReport(
    String name,
    String op,
    String weight,
    long[] shape,
    Grid grid,
    float[] scale,
    long[] scaleShape,
    double nearestError,
    double adaroundError,
    double softShare,
    long changedFromNearest,
    String rounding,
    String objective,
    String note,
    double seconds) {}
