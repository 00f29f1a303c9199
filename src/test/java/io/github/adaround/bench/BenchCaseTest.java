package io.github.adaround.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/** The benchmark's layers and their FLOP counts, as {@code torch_step.py} defines them. */
class BenchCaseTest {

  @Test
  void theFiveCasesAreNamedAsInTheTorchScript() {
    assertEquals(
        List.of(
            "dense_512x512_b32",
            "dense_3136x128_b32",
            "conv3x3_64x64_16x16_b32",
            "conv3x3_1x32_28x28_b32",
            "dense_16x32_b50"),
        BenchCase.ALL.stream().map(BenchCase::name).toList());
  }

  @Test
  void denseStepCountsForwardAndWeightGradient() {
    BenchCase dense = BenchCase.ALL.get(1);

    assertEquals(Shape.of(3136, 128), dense.weightShape());
    assertEquals(2 * (2.0 * 32 * 128 * 3136), dense.flopsPerStep());
  }

  @Test
  void convolutionStepCountsEveryOutputPositionAndKernelTap() {
    BenchCase conv = BenchCase.ALL.get(2);

    assertEquals(Shape.of(3, 3, 64, 64), conv.weightShape());
    assertEquals(Shape.of(16, 16, 64), conv.inputSample());
    assertEquals(2 * (2.0 * 32 * 16 * 16 * 64 * 64 * 9), conv.flopsPerStep());
  }
}
