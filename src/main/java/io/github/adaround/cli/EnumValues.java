package io.github.adaround.cli;

import io.github.adaround.activation.RangeMethod;
import io.github.adaround.config.EncodingsVersion;
import io.github.adaround.config.Reconstruction;
import io.github.adaround.config.Storage;
import io.github.adaround.quant.Grid;
import io.github.adaround.train.Objective;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The values of an enum option: each constant's label (its name in lower case unless given),
 * accepted in any case; also the option's completion candidates.
 */
abstract class EnumValues<E extends Enum<E>> implements ITypeConverter<E>, Iterable<String> {
  private final Map<String, E> byLabel = new LinkedHashMap<>();

  EnumValues(E[] constants, Function<E, String> label) {
    for (E e : constants) {
      byLabel.put(label.apply(e).toLowerCase(Locale.ROOT), e);
    }
  }

  EnumValues(E[] constants) {
    this(constants, Enum::name);
  }

  @Override
  public E convert(String value) {
    E e = byLabel.get(value.toLowerCase(Locale.ROOT));
    if (e == null) {
      throw new TypeConversionException(
          "expected one of " + String.join(", ", byLabel.keySet()) + " but was '" + value + "'");
    }
    return e;
  }

  @Override
  public Iterator<String> iterator() {
    return byLabel.keySet().iterator();
  }
}

final class GridValues extends EnumValues<Grid> {
  GridValues() {
    super(Grid.values());
  }
}

final class ObjectiveValues extends EnumValues<Objective> {
  ObjectiveValues() {
    super(Objective.values());
  }
}

final class StorageValues extends EnumValues<Storage> {
  StorageValues() {
    super(Storage.values());
  }
}

final class RangeValues extends EnumValues<RangeMethod> {
  RangeValues() {
    super(RangeMethod.values());
  }
}

final class VersionValues extends EnumValues<EncodingsVersion> {
  VersionValues() {
    super(EncodingsVersion.values(), EncodingsVersion::label);
  }
}

final class ReconstructionValues extends EnumValues<Reconstruction> {
  ReconstructionValues() {
    super(Reconstruction.values());
  }
}
