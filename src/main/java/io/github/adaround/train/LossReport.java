package io.github.adaround.train;

/**
 * The loss parts at one iteration of a layer's training.
 *
 * @param iteration the iteration (0-based)
 * @param reconstruction the reconstruction term on that iteration's minibatch
 * @param regularization the rounding regulariser (0 during the warm start)
 * @param beta the annealing exponent
 */
public record LossReport(int iteration, float reconstruction, float regularization, float beta) {}
