package io.github.adaround.sensitivity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.adaround.error.UserError;
import org.junit.jupiter.api.Test;

/** A budget is an average of bits per weight or a size with a unit. */
class WeightBudgetTest {

  @Test
  void anAverageCountsBitsPerWeightAndASizeCountsBytes() {
    assertEquals(3500, WeightBudget.parse("3.5").bits(1000));
    assertEquals(120_000 * 8, WeightBudget.parse("120KB").bits(1));
    assertEquals(64 * 1024 * 8, WeightBudget.parse("64KiB").bits(1));
    assertEquals(1_500_000L * 8, WeightBudget.parse("1.5mb").bits(1));
    assertEquals(100 * 8, WeightBudget.parse("100B").bits(1));
  }

  @Test
  void anythingElseIsRefusedInOneSentence() {
    assertEquals(
        "--weight-budget takes average bits per weight (3.5) or a size with a unit (120KB), got"
            + " lots",
        assertThrows(UserError.class, () -> WeightBudget.parse("lots")).getMessage());
    assertThrows(UserError.class, () -> WeightBudget.parse("-2"));
    assertThrows(UserError.class, () -> WeightBudget.parse("0KB"));
  }
}
