package io.github.adaround.source;

import io.github.adaround.error.UserError;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import org.tensorflow.Session;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.types.TString;

/**
 * A SavedModel whose meta graph has no {@code SignatureDef} (TF1 exports under a tag of their own),
 * opened like a frozen graph ({@link FrozenGraph}): fed at {@code --input}, read at {@code
 * --output} (or the graph's one candidate of each), its float constants writable, its variables
 * restored by its own saver. The export is the input folder with that meta graph's graph replaced
 * by the frozen graph's export and, when the graph holds variables, a {@code variables/} written by
 * its saver.
 */
final class UnsignedSavedModel {

  private static final String VARIABLES = "variables";

  private UnsignedSavedModel() {}

  /**
   * @param meta the meta graph of {@code tag} in {@code dir}'s {@code saved_model.pb}
   * @throws UserError as {@link FrozenGraph#open(Path, GraphDef, List, List, long[])}
   */
  static ModelSource open(
      Path dir,
      String tag,
      MetaGraphDef meta,
      List<String> inputs,
      List<String> outputs,
      long[] sampleShape) {
    boolean variables = holdsVariables(meta.getGraphDef()) && meta.hasSaverDef();
    FrozenGraph.GraphWriter writer =
        (out, exported, session) ->
            export(dir, tag, exported, variables ? meta : null, session, out);
    FrozenGraph graph = FrozenGraph.open(meta.getGraphDef(), writer, inputs, outputs, sampleShape);
    if (variables) {
      try {
        runSaver(graph.session(), meta.getSaverDef(), dir, false);
      } catch (RuntimeException e) {
        graph.close();
        throw new UserError("its variables cannot be restored from " + VARIABLES + "/", e);
      }
    }
    return graph;
  }

  private static boolean holdsVariables(GraphDef graph) {
    return graph.getNodeList().stream()
        .anyMatch(n -> n.getOp().equals("VariableV2") || n.getOp().equals("VarHandleOp"));
  }

  /** Runs the saver's restore op, or its save op, on the checkpoint {@code dir/variables/}. */
  private static void runSaver(Session session, SaverDef saver, Path dir, boolean save) {
    String prefix = dir.resolve(VARIABLES).resolve(VARIABLES).toString();
    try (TString filename = TString.scalarOf(prefix)) {
      Session.Runner runner = session.runner().feed(saver.getFilenameTensorName(), filename);
      if (save) {
        runner.fetch(saver.getSaveTensorName());
      } else {
        runner.addTarget(saver.getRestoreOpName());
      }
      runner.run().close();
    }
  }

  /**
   * Copies {@code from} to {@code to}, its {@code saved_model.pb} with the meta graph of {@code
   * tag} holding {@code exported}; with a {@code meta} (of a graph with variables), {@code
   * variables/} is written by its saver from {@code session} instead of copied.
   */
  private static void export(
      Path from, String tag, GraphDef exported, MetaGraphDef meta, Session session, Path to)
      throws IOException {
    SavedModel.Builder model =
        SavedModel.parseFrom(Files.readAllBytes(from.resolve("saved_model.pb"))).toBuilder();
    for (MetaGraphDef.Builder m : model.getMetaGraphsBuilderList()) {
      if (m.getMetaInfoDef().getTagsList().contains(tag)) {
        m.setGraphDef(exported);
        break;
      }
    }
    copy(from, to, meta != null);
    Files.write(to.resolve("saved_model.pb"), model.build().toByteArray());
    if (meta != null) {
      Files.createDirectories(to.resolve(VARIABLES));
      runSaver(session, meta.getSaverDef(), to, true);
    }
  }

  private static void copy(Path from, Path to, boolean skipVariables) throws IOException {
    Files.createDirectories(to);
    Files.walkFileTree(
        from,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a)
              throws IOException {
            String relative = from.relativize(d).toString();
            if (skipVariables && relative.equals(VARIABLES)) {
              return FileVisitResult.SKIP_SUBTREE;
            }
            Files.createDirectories(to.resolve(relative));
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            String relative = from.relativize(f).toString();
            if (!relative.equals("saved_model.pb") && !relative.equals("fingerprint.pb")) {
              Files.copy(f, to.resolve(relative));
            }
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
