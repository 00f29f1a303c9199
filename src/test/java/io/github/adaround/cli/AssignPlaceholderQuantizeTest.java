package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import io.github.adaround.source.ExportedWeights;
import io.github.adaround.source.KerasTf1AssignModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.SavedModel;

/**
 * A TF1 Keras graph whose variables are also assigned from {@code set_weights} placeholders: the
 * weights are written without feeding them, and the export keeps the input's graph as it was.
 */
class AssignPlaceholderQuantizeTest {

  @TempDir Path dir;

  @Test
  void theWeightsAreWrittenWithoutTheModelsAssignPlaceholders() throws Exception {
    Path model = KerasTf1AssignModel.export(dir.resolve("keras-tf1"));
    Path npy = dir.resolve("x.npy");
    Random random = new Random(0);
    float[] x = new float[24 * 4];
    for (int i = 0; i < x.length; i++) {
      x[i] = random.nextFloat();
    }
    NpyFiles.writeFloats(npy, new long[] {24, 4}, x);
    Path out = dir.resolve("q");

    Run r =
        run(
            "quantize",
            "--model",
            model.toString(),
            "--out",
            out.toString(),
            "--calibration-npy",
            npy.toString(),
            "--calibration",
            "20",
            "--iterations",
            "5");

    assertEquals(0, r.status(), r.err());
    assertEquals(
        Set.of("dense/kernel", "dense_1/kernel"),
        ExportedWeights.assertOnDeclaredGrid(out, "serving_default").keySet());
    assertEquals(nodes(model), nodes(out));
  }

  /** Each node of the SavedModel's graph as name, op and inputs, in graph order. */
  private static List<String> nodes(Path model) throws Exception {
    GraphDef graph =
        SavedModel.parseFrom(Files.readAllBytes(model.resolve("saved_model.pb")))
            .getMetaGraphs(0)
            .getGraphDef();
    return graph.getNodeList().stream()
        .map(n -> n.getName() + " " + n.getOp() + " " + n.getInputList())
        .toList();
  }
}
