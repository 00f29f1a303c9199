package io.github.adaround.source;

import io.github.adaround.error.ModelException;
import io.github.adaround.guard.OpSafety;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import org.tensorflow.GraphOperation;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.exceptions.TensorFlowException;

/** Loads SavedModels (by default the {@code serve} tag), turning failures into one-line errors. */
public final class SavedModels {
  /** The tag of inference graphs. */
  public static final String SERVE = "serve";

  private static final String VARIABLES_INDEX = "variables/variables.index";
  private static final Set<String> VARIABLE_OPS = Set.of("VariableV2", "Variable", "VarHandleOp");

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
    return load(dir, SERVE, allowedOps);
  }

  /**
   * Loads the meta graph of tag {@code tag} of the SavedModel in {@code dir} after {@link
   * OpSafety#check}, with the unsafe op types in {@code allowedOps} allowed.
   *
   * @throws ModelException when the folder is missing, has no such tag (the message lists its tags)
   *     or is not a loadable, safe SavedModel
   */
  public static SavedModelBundle load(Path dir, String tag, Set<String> allowedOps)
      throws ModelException {
    OpSafety.check(dir, tag, allowedOps);
    if (!Files.isDirectory(dir)) {
      throw new ModelException(dir, "no such folder");
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))
        && !Files.isRegularFile(dir.resolve("saved_model.pbtxt"))) {
      throw new ModelException(dir, "not a SavedModel (no saved_model.pb)");
    }
    SavedModelBundle bundle;
    try {
      bundle =
          SavedModelBundle.loader(dir.toString())
              .withTags(tag)
              .withConfigProto(Placement.SOFT)
              .load();
    } catch (TensorFlowException | IllegalArgumentException e) {
      String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
      throw new ModelException(
          dir, "cannot load the SavedModel" + (message.isBlank() ? "" : ": " + message));
    }
    if (hasVariables(bundle) && !Files.isRegularFile(dir.resolve(VARIABLES_INDEX))) {
      bundle.close();
      throw new ModelException(dir, "the graph has variables but there is no " + VARIABLES_INDEX);
    }
    return bundle;
  }

  /** TF loads a graph without its checkpoint silently; its variables are then uninitialised. */
  private static boolean hasVariables(SavedModelBundle bundle) {
    Iterator<GraphOperation> ops = bundle.graph().operations();
    while (ops.hasNext()) {
      if (VARIABLE_OPS.contains(ops.next().type())) {
        return true;
      }
    }
    return false;
  }
}
