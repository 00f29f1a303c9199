package io.github.adaround.config;

/** The AIMET formats of {@code encodings.json} that Qualcomm's converters read. */
public enum EncodingsVersion {
  /** Objects keyed by tensor name, each a list of {@code {bitwidth, scale, offset, ...}}. */
  V0_6_1("0.6.1"),
  /** Lists of {@code {name, enc_type, dtype, bw, is_sym, scale[], offset[]}}. */
  V1_0_0("1.0.0");

  private final String label;

  EncodingsVersion(String label) {
    this.label = label;
  }

  /** The version string the file declares. */
  public String label() {
    return label;
  }
}
