package io.github.adaround.tf;

/**
 * Turning user-facing names (weight variables such as {@code conv1/kernel}) into TF scope names.
 */
public final class OpNames {

  private OpNames() {}

  /** {@code name} with every character that a TF scope name may not hold replaced by {@code _}. */
  public static String scopeOf(String name) {
    String cleaned = name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
    return cleaned.isEmpty() || cleaned.charAt(0) == '_' || cleaned.charAt(0) == '-'
        ? "w" + cleaned
        : cleaned;
  }

  /**
   * The node of a graph input reference: {@code ^ctrl}, {@code name:1} and {@code name} give name.
   */
  public static String nodeOf(String input) {
    String s = input.startsWith("^") ? input.substring(1) : input;
    int colon = s.indexOf(':');
    return colon < 0 ? s : s.substring(0, colon);
  }
}
