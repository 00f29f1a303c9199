package io.github.adaround.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.exceptions.TensorFlowException;

/** Loads SavedModels with the {@code serve} tag, turning failures into one-line errors. */
public final class SavedModels {
  /** The tag of inference graphs. */
  public static final String SERVE = "serve";

  private SavedModels() {}

  /**
   * Loads the SavedModel in {@code dir}, refusing ops that touch files, processes or the network.
   *
   * @throws ModelException when the folder is missing or is not a loadable, safe SavedModel
   */
  public static SavedModelBundle load(Path dir) throws ModelException {
    return load(dir, Set.of());
  }

  /**
   * Loads the SavedModel in {@code dir} after {@link OpSafety#check}, with the unsafe op types in
   * {@code allowedOps} allowed.
   *
   * @throws ModelException when the folder is missing or is not a loadable, safe SavedModel
   */
  public static SavedModelBundle load(Path dir, Set<String> allowedOps) throws ModelException {
    OpSafety.check(dir, allowedOps);
    if (!Files.isDirectory(dir)) {
      throw new ModelException(dir, "no such folder");
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))
        && !Files.isRegularFile(dir.resolve("saved_model.pbtxt"))) {
      throw new ModelException(dir, "not a SavedModel (no saved_model.pb)");
    }
    try {
      return SavedModelBundle.load(dir.toString(), SERVE);
    } catch (TensorFlowException | IllegalArgumentException e) {
      String message =
          e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
      throw new ModelException(dir, "cannot load the SavedModel: " + message);
    }
  }
}
