package io.github.adaround.tf;

/** Turning user-facing names (weight variables such as {@code conv1/kernel}) into TF scope names. */
public final class OpNames {

  private OpNames() {}

  /** {@code name} with every character that a TF scope name may not hold replaced by {@code _}. */
  public static String scopeOf(String name) {
    String cleaned = name.replaceAll("[^A-Za-z0-9_.\\-]", "_");
    return cleaned.isEmpty() || cleaned.charAt(0) == '_' || cleaned.charAt(0) == '-'
        ? "w" + cleaned
        : cleaned;
  }
}
