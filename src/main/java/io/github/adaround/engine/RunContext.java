package io.github.adaround.engine;

import io.github.adaround.activation.SimulatedInputs;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.data.Calibration;

/**
 * What every layer of one run reads and writes.
 *
 * @param config the run's options
 * @param fp the untouched model: FP weights and targets
 * @param quantized the model whose earlier layers are hardened; each finished layer is written in
 * @param simulated the simulated integer model layers take their inputs from, or null
 * @param calibration the calibration samples
 */
record RunContext(
    QuantizeConfig config,
    ModelSession fp,
    ModelSession quantized,
    SimulatedInputs simulated,
    Calibration calibration) {}
