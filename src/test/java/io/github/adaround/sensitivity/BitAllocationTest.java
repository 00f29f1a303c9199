package io.github.adaround.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The budget's choice is the exact optimum of the knapsack, and the front holds every optimum. */
class BitAllocationTest {

  @Test
  void theChoiceWithinABudgetIsTheBestOfEveryAllocationTriedOneByOne() {
    SplittableRandom random = new SplittableRandom(4);
    for (int trial = 0; trial < 20; trial++) {
      List<LayerSensitivity> layers = new ArrayList<>();
      for (int l = 0; l < 5; l++) {
        TreeMap<Integer, OutputDistance> byBits = new TreeMap<>();
        double db = random.nextDouble(5, 15);
        for (int b : new int[] {2, 3, 4, 8}) {
          db += random.nextDouble(1, 12);
          byBits.put(b, new OutputDistance(db, 0));
        }
        layers.add(
            new LayerSensitivity("l" + l, "MatMul", "w" + l, random.nextInt(10, 500), byBits));
      }
      long total = layers.stream().mapToLong(LayerSensitivity::size).sum();
      long budget = (long) (total * random.nextDouble(2, 8));

      BitAllocation.Choice choice = BitAllocation.within(layers, budget);

      double best = bruteForce(layers, budget, 0, 0, 0);
      assertTrue(choice.totalBits() <= budget);
      assertEquals(best, choice.cost(), 1e-12 * Math.max(1, best), "trial " + trial);
    }
  }

  @Test
  void aBudgetBelowTwoBitsForEveryLayerHasNoChoice() {
    TreeMap<Integer, OutputDistance> byBits = new TreeMap<>(Map.of(2, new OutputDistance(10, 0)));
    List<LayerSensitivity> one = List.of(new LayerSensitivity("l", "MatMul", "w", 100, byBits));
    assertNull(BitAllocation.within(one, 199));
    assertEquals(Map.of("w", 2), BitAllocation.within(one, 200).bits());
  }

  @Test
  void anSqnrStandsForItsNoiseToSignalRatio() {
    assertEquals(0.01, BitAllocation.noise(new OutputDistance(20, 0)), 1e-15);
    assertEquals(0, BitAllocation.noise(new OutputDistance(Double.POSITIVE_INFINITY, 0)));
  }

  private static double bruteForce(
      List<LayerSensitivity> layers, long budget, int at, long bits, double cost) {
    if (bits > budget) {
      return Double.POSITIVE_INFINITY;
    }
    if (at == layers.size()) {
      return cost;
    }
    double best = Double.POSITIVE_INFINITY;
    LayerSensitivity l = layers.get(at);
    for (Map.Entry<Integer, OutputDistance> e : l.byBits().entrySet()) {
      best =
          Math.min(
              best,
              bruteForce(
                  layers,
                  budget,
                  at + 1,
                  bits + l.size() * e.getKey(),
                  cost + BitAllocation.noise(e.getValue())));
    }
    return best;
  }
}
