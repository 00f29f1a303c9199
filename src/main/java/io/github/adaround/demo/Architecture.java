package io.github.adaround.demo;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The Fashion-MNIST models {@code adaround train} can build. */
public enum Architecture {
  /** {@link FashionCnn}, the bundled model. */
  CNN(FashionCnn.DEFINITION),
  /** {@link ResidualCnn}: residual adds and batch norm. */
  RESIDUAL(ResidualCnn.DEFINITION),
  /** {@link MobileNetV2Small}: depthwise convolutions, ReLU6, inverted residuals, batch norm. */
  MOBILENETV2(MobileNetV2Small.DEFINITION);

  private final ModelDefinition definition;

  Architecture(ModelDefinition definition) {
    this.definition = definition;
  }

  /** The name on the command line: {@code cnn}, {@code residual}, {@code mobilenetv2}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The architecture of a command-line name. */
  public static Architecture byName(String name) {
    for (Architecture a : values()) {
      if (a.cliName().equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown architecture "
            + name
            + "; one of "
            + Arrays.stream(values()).map(Architecture::cliName).collect(Collectors.joining(", ")));
  }

  ModelDefinition definition() {
    return definition;
  }
}
