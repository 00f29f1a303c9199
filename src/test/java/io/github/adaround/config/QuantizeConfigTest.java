package io.github.adaround.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.activation.RangeMethod;
import io.github.adaround.error.UserError;
import io.github.adaround.quant.Grid;
import io.github.adaround.train.AdaroundRecipe;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A configuration is built from {@link QuantizeConfig#DEFAULT} and checked once, when built. */
class QuantizeConfigTest {

  @Test
  void theDefaultIsFourBitsPerTensorOnAnMseGridWithThePapersRecipe() {
    QuantizeConfig c = QuantizeConfig.DEFAULT;
    assertEquals(
        new QuantizeConfig.Weights(4, java.util.Map.of(), false, Grid.MSE, false), c.weights());
    assertEquals(AdaroundRecipe.PAPER, c.recipe());
    assertEquals(false, c.nearest());
    assertEquals(true, c.keepBest());
    assertEquals(ActivationConfig.FLOAT, c.activations());
    assertEquals(2048L << 20, c.cacheBytes());
    assertEquals(new QuantizeConfig.Model("serving_default", Set.of()), c.model());
    assertEquals(new QuantizeConfig.Output(Storage.FLOAT, EncodingsVersion.V0_6_1), c.output());
  }

  @Test
  void theBuilderChangesOnlyWhatItIsTold() {
    QuantizeConfig c =
        QuantizeConfig.DEFAULT.toBuilder()
            .bits(3)
            .perChannel(true)
            .storage(Storage.CODES)
            .signature("other")
            .build();
    assertEquals(
        new QuantizeConfig.Weights(3, java.util.Map.of(), true, Grid.MSE, false), c.weights());
    assertEquals(new QuantizeConfig.Output(Storage.CODES, EncodingsVersion.V0_6_1), c.output());
    assertEquals("other", c.model().signature());
    assertEquals(QuantizeConfig.DEFAULT.recipe(), c.recipe());
    assertEquals(c, c.toBuilder().build());
  }

  @Test
  void theAllowedOpsAreCopied() {
    Set<String> ops = new HashSet<>(Set.of("ReadFile"));
    QuantizeConfig c = QuantizeConfig.DEFAULT.toBuilder().allowedOps(ops).build();
    ops.add("WriteFile");
    assertEquals(Set.of("ReadFile"), c.model().allowedOps());
  }

  @Test
  void valuesOutOfRangeAreUserErrors() {
    QuantizeConfig.Builder b = QuantizeConfig.DEFAULT.toBuilder();
    assertEquals(
        "--bits must be in 2..8, got 9",
        assertThrows(UserError.class, () -> b.bits(9).build()).getMessage());
    assertEquals(
        "--bits must be in 2..8, got 1",
        assertThrows(UserError.class, () -> b.bits(1).build()).getMessage());
    assertEquals(
        "cache size must not be negative",
        assertThrows(UserError.class, () -> b.bits(4).cacheBytes(-1).build()).getMessage());
  }

  @Test
  void foldingBatchNormsAndQuantizingActivationsDoNotGoTogetherYet() {
    QuantizeConfig.Builder b =
        QuantizeConfig.DEFAULT.toBuilder()
            .foldBatchNorm(true)
            .activations(ActivationConfig.quantized(8, RangeMethod.MSE, 0.5f));
    assertEquals(
        "--fold-batch-norm and --activation-bits cannot be combined yet",
        assertThrows(UserError.class, b::build).getMessage());
  }

  @Test
  void blockReconstructionKeepsBatchNormsAndFloatInputs() {
    QuantizeConfig.Builder b =
        QuantizeConfig.DEFAULT.toBuilder().reconstruction(Reconstruction.BLOCK).foldBatchNorm(true);
    assertEquals(
        "--reconstruction block keeps each batch norm in the block it trains; drop"
            + " --fold-batch-norm",
        assertThrows(UserError.class, b::build).getMessage());
    QuantizeConfig.Builder q =
        QuantizeConfig.DEFAULT.toBuilder()
            .reconstruction(Reconstruction.BLOCK)
            .activations(ActivationConfig.quantized(8, RangeMethod.MSE, 0.5f));
    assertEquals(
        "--reconstruction block takes its inputs from the float model; add --qdrop off or use"
            + " --reconstruction layer",
        assertThrows(UserError.class, q::build).getMessage());
    assertEquals(Reconstruction.LAYER, QuantizeConfig.DEFAULT.reconstruction());
  }
}
