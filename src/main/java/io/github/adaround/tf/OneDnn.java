package io.github.adaround.tf;

import java.util.Locale;

/**
 * Whether TF runs its oneDNN CPU kernels, as the environment variable {@value #VARIABLE} (read by
 * TF when the process starts) says: {@code 1} on, {@code 0} off, unset TF's choice by CPU (on only
 * for CPUs with AVX512-VNNI, AVX512-BF16, AVX-VNNI or AMX). {@code tools/adaround} and the tests
 * set it to 1.
 */
public final class OneDnn {

  /** The environment variable TF reads. */
  public static final String VARIABLE = "TF_ENABLE_ONEDNN_OPTS";

  private OneDnn() {}

  /** {@code "on"}, {@code "off"} or {@code "TF's default"}, from the process's environment. */
  public static String setting() {
    return describe(System.getenv(VARIABLE));
  }

  /** What TF makes of {@code value} of {@value #VARIABLE} (null: unset). */
  static String describe(String value) {
    if (value == null) {
      return "TF's default";
    }
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "1", "true" -> "on";
      case "0", "false" -> "off";
      default -> "TF's default";
    };
  }
}
