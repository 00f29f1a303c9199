package io.github.adaround.sensitivity;

import io.github.adaround.error.UserError;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size budget for the quantized weights, as {@code quantize --weight-budget} takes it: an average
 * bit width per weight ({@code 3.5}) or a size with a unit ({@code 120KB}, {@code 1.5MB}, {@code
 * 64KiB}, {@code 100000B}; KB and MB are powers of 1000, KiB and MiB of 1024).
 *
 * @param averageBits the average bits per weight, or 0 when the budget is a size
 * @param bytes the size in bytes, or 0 when the budget is an average
 */
public record WeightBudget(double averageBits, long bytes) {

  private static final Pattern SIZE =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(B|KB|MB|GB|KIB|MIB|GIB)");

  /**
   * @throws UserError when {@code text} is neither a positive number nor a size with a unit
   */
  public static WeightBudget parse(String text) {
    String t = text.strip().toUpperCase(Locale.ROOT);
    Matcher m = SIZE.matcher(t);
    if (m.matches()) {
      double unit =
          switch (m.group(2)) {
            case "B" -> 1;
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            case "KIB" -> 1024;
            case "MIB" -> 1024.0 * 1024;
            default -> 1024.0 * 1024 * 1024;
          };
      long bytes = (long) Math.floor(Double.parseDouble(m.group(1)) * unit);
      if (bytes < 1) {
        throw new UserError("--weight-budget must be more than 0 bytes, got " + text);
      }
      return new WeightBudget(0, bytes);
    }
    try {
      double average = Double.parseDouble(t);
      if (!(average > 0) || Double.isInfinite(average)) {
        throw new UserError("--weight-budget must be a positive average of bits, got " + text);
      }
      return new WeightBudget(average, 0);
    } catch (NumberFormatException e) {
      throw new UserError(
          "--weight-budget takes average bits per weight (3.5) or a size with a unit (120KB),"
              + " got "
              + text);
    }
  }

  /** The budget in bits for weights that number {@code weights} in all. */
  public long bits(long weights) {
    return bytes > 0 ? bytes * 8 : (long) Math.floor(averageBits * weights);
  }
}
