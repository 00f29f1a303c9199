package io.github.adaround.config;

/** What each AdaRound optimisation reconstructs: one layer's output, or one block's. */
public enum Reconstruction {
  /**
   * Layer by layer (Nagel et al. 2020): each layer's rounding is learnt alone, against its own FP
   * output.
   */
  LAYER,
  /**
   * Block by block (BRECQ, Li et al. 2021, section 3): the roundings of every layer of a block
   * ({@link io.github.adaround.block.Blocks}) are learnt jointly against the block's FP output.
   */
  BLOCK
}
