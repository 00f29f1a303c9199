package io.github.adaround.sensitivity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Chooses each layer's bit width under a budget of weight bits, exactly: the multiple-choice
 * knapsack {@code min sum_l cost_l(b_l)} subject to {@code sum_l size_l * b_l <= budget}, solved by
 * building the Pareto front of (bits, cost) over the layers one at a time and keeping only
 * allocations that no other beats in both. A layer's cost is the noise it adds to the model's
 * output alone, {@code 10^(-SQNR/10)} (output noise power over signal power): noise from different
 * layers adds, approximately, as independent noise does.
 */
public final class BitAllocation {

  /**
   * One point of the front: bits per layer, by weight name, their total size and summed cost.
   *
   * @param totalBits {@code sum size_l * b_l}
   * @param cost the summed noise-to-signal ratio that the measurements predict
   */
  public record Choice(Map<String, Integer> bits, long totalBits, double cost) {}

  private BitAllocation() {}

  /** Every allocation that no other beats in both total bits and cost, by increasing bits. */
  public static List<Choice> front(List<LayerSensitivity> layers) {
    List<Choice> front = List.of(new Choice(new TreeMap<>(), 0, 0));
    for (LayerSensitivity layer : layers) {
      List<Choice> next = new ArrayList<>();
      for (Choice c : front) {
        for (Map.Entry<Integer, OutputDistance> e : layer.byBits().entrySet()) {
          Map<String, Integer> bits = new TreeMap<>(c.bits());
          bits.put(layer.weight(), e.getKey());
          next.add(
              new Choice(
                  bits, c.totalBits() + layer.size() * e.getKey(), c.cost() + noise(e.getValue())));
        }
      }
      front = pareto(next);
    }
    return front;
  }

  /**
   * The allocation of least cost within {@code budgetBits}, or null when even the smallest widths
   * exceed it.
   */
  public static Choice within(List<LayerSensitivity> layers, long budgetBits) {
    Choice best = null;
    for (Choice c : front(layers)) {
      if (c.totalBits() <= budgetBits && (best == null || c.cost() < best.cost())) {
        best = c;
      }
    }
    return best;
  }

  /** The output noise power over signal power that an SQNR in dB stands for. */
  static double noise(OutputDistance d) {
    return Double.isInfinite(d.sqnrDb()) ? 0 : Math.pow(10, -d.sqnrDb() / 10);
  }

  private static List<Choice> pareto(List<Choice> choices) {
    choices.sort(Comparator.comparingLong(Choice::totalBits).thenComparingDouble(Choice::cost));
    List<Choice> kept = new ArrayList<>();
    double lowest = Double.POSITIVE_INFINITY;
    for (Choice c : choices) {
      if (c.cost() < lowest) {
        kept.add(c);
        lowest = c.cost();
      }
    }
    return kept;
  }
}
