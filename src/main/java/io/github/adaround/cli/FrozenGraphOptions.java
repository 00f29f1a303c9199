package io.github.adaround.cli;

import io.github.adaround.error.ModelException;
import io.github.adaround.error.UserError;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The {@code --input} and {@code --output} options that make {@code --model} a frozen GraphDef
 * file, named as the TFLite converter's input and output arrays.
 */
final class FrozenGraphOptions {
  @Option(
      names = "--input",
      paramLabel = "NAME",
      description =
          "With a frozen GraphDef (.pb file) as --model: the node (or tensor name:k) fed with the"
              + " calibration samples (repeatable: one per input).")
  private List<String> inputs = List.of();

  @Option(
      names = "--output",
      paramLabel = "NAME",
      description = "With a frozen GraphDef: an output node or tensor (repeatable).")
  private List<String> outputs = List.of();

  /**
   * Whether {@code model} is to be read as a frozen GraphDef.
   *
   * @throws UserError when the options do not fit the model: a file without both options, or the
   *     options with a folder
   */
  boolean frozen(Path model) throws UserError {
    boolean given = !inputs.isEmpty() || !outputs.isEmpty();
    if (given && (inputs.isEmpty() || outputs.isEmpty())) {
      throw new UserError("--input and --output go together (a frozen GraphDef needs both)");
    }
    if (given && Files.isDirectory(model)) {
      throw new UserError(
          model + ": --input and --output are for a frozen GraphDef file, this is a folder");
    }
    if (!given && Files.isRegularFile(model)) {
      throw new UserError(model + ": a frozen GraphDef file needs --input NAME and --output NAME");
    }
    return given;
  }

  /**
   * Opens the frozen graph, filling the input dimensions it leaves unknown from {@code sampleShape}
   * (or null).
   */
  ModelSource open(Path model, long[] sampleShape, Set<String> allowedOps) throws ModelException {
    return ModelSources.openFrozen(model, inputs, outputs, sampleShape, allowedOps);
  }
}
