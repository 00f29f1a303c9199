package io.github.adaround.cli;

import io.github.adaround.error.ModelException;
import io.github.adaround.error.UserError;
import io.github.adaround.source.GraphEnds;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import io.github.adaround.source.SavedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * How {@code --model} is opened: the {@code --tag} of a SavedModel's meta graph, and the {@code
 * --input} and {@code --output} of a graph without signatures (a frozen GraphDef file, or a
 * SavedModel without SignatureDefs), named as the TFLite converter's input and output arrays.
 * Either may be left out when the graph has one candidate.
 */
final class FrozenGraphOptions {
  @Option(
      names = "--input",
      paramLabel = "NAME",
      description =
          "With a frozen GraphDef (.pb file) or a SavedModel without signatures: the node (or"
              + " tensor name:k) fed with the calibration samples (repeatable: one per input;"
              + " default: the graph's one float placeholder).")
  private List<String> inputs = List.of();

  @Option(
      names = "--output",
      paramLabel = "NAME",
      description =
          "With a frozen GraphDef or a SavedModel without signatures: an output node or tensor"
              + " (repeatable; default: the graph's one float output that nothing reads).")
  private List<String> outputs = List.of();

  @Option(
      names = "--tag",
      paramLabel = "TAG",
      description = "The SavedModel's meta graph to read (default: serve).")
  private String tag;

  /**
   * Whether {@code model} is a frozen GraphDef file.
   *
   * @throws UserError when {@code --tag} is given with a file
   */
  boolean frozen(Path model) throws UserError {
    boolean file = !Files.isDirectory(model) && Files.exists(model);
    if (file && tag != null) {
      throw new UserError(model + ": --tag is for a SavedModel folder, this is a file");
    }
    return file;
  }

  /**
   * Opens the model: a frozen GraphDef file, a SavedModel at {@code --input} and {@code --output}
   * (which must then have no signatures), or a SavedModel's signature {@code signature}; the input
   * dimensions a graph leaves unknown come from {@code sampleShape} (or null).
   */
  ModelSource open(Path model, String signature, long[] sampleShape, Set<String> allowedOps)
      throws ModelException {
    if (frozen(model)) {
      return ModelSources.openFrozen(model, inputs, outputs, sampleShape, allowedOps);
    }
    if (!inputs.isEmpty() || !outputs.isEmpty()) {
      return ModelSources.openUnsigned(model, tag(), inputs, outputs, sampleShape, allowedOps);
    }
    return ModelSources.open(model, tag(), signature, allowedOps);
  }

  /**
   * The tensors that a model without signatures can be fed and read at, when {@code --input} or
   * {@code --output} is not given; empty when both are, or the model has signatures.
   */
  Optional<GraphEnds> candidates(Path model, Set<String> allowedOps) throws ModelException {
    if (!inputs.isEmpty() && !outputs.isEmpty()) {
      return Optional.empty();
    }
    return ModelSources.graphEnds(model, tag(), allowedOps);
  }

  private String tag() {
    return tag == null ? SavedModels.SERVE : tag;
  }
}
