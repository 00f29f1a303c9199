package io.github.adaround.tf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.quadratic.ConvPatches;
import io.github.adaround.quadratic.DensePatches;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Small layers train on one thread per kernel, layers with large products on TF's pools. */
class LayerThreadsTest {

  private static ConvPatches conv3x3(long in, long out) {
    return new ConvPatches(
        3, 3, in, out, false, List.of(1L, 1L, 1L, 1L), List.of(1L, 1L, 1L, 1L), "SAME", List.of());
  }

  @Test
  void theBundledModelsLayersGetOneThreadPerKernel() {
    // conv1 1 -> 32 on 28x28 maps, dense1 3136 -> 128, logits 128 -> 10, minibatches of 32.
    assertEquals(
        LayerThreads.ONE_PER_KERNEL, LayerThreads.of(conv3x3(1, 32).depth(), 32, 28 * 28 * 32));
    assertEquals(
        LayerThreads.ONE_PER_KERNEL,
        LayerThreads.of(new DensePatches(3136, 128, false).depth(), 32, 128));
    assertEquals(
        LayerThreads.ONE_PER_KERNEL,
        LayerThreads.of(new DensePatches(128, 10, false).depth(), 32, 10));
  }

  @Test
  void aConvolutionOf1p2GflopPerStepKeepsTfsPools() {
    // 64 -> 64 on 16x16 maps: 2 * 2 * 32 * 16384 * 576 = 1.2e9 operations per step.
    assertEquals(
        SessionThreads.TF_DEFAULT, LayerThreads.of(conv3x3(64, 64).depth(), 32, 16 * 16 * 64));
  }

  @Test
  void theThresholdIsOnTheStepsProductsAndALayerWithoutPatchesKeepsTfsPools() {
    assertEquals(LayerThreads.ONE_PER_KERNEL, LayerThreads.forStep(LayerThreads.SMALL_FLOPS - 1));
    assertEquals(SessionThreads.TF_DEFAULT, LayerThreads.forStep(LayerThreads.SMALL_FLOPS));
    assertEquals(SessionThreads.TF_DEFAULT, LayerThreads.of(0, 32, 10));
  }
}
