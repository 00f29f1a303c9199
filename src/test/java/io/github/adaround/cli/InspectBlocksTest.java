package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.cli.AdaroundCliTest.Run;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adaround inspect} lists the model's blocks after its layers. */
class InspectBlocksTest {
  private static final String MODEL = Path.of("models", "fashion-mnist-cnn").toString();

  @TempDir Path dir;

  /** The bundled CNN is a chain: five blocks of one layer, each ending at the next one's input. */
  @Test
  void theBundledModelsBlocksFollowTheLayerTable() {
    Run r = run("inspect", "--model", MODEL);

    assertEquals(0, r.status(), r.err());
    List<String> lines = r.out().lines().toList();
    int header = lines.indexOf("BLOCKS");
    assertTrue(header > lines.indexOf("LAYER") + 5, r.out());
    assertEquals(
        List.of("INDEX", "INPUTS", "OUTPUT", "LAYERS"), List.of(lines.get(header + 1).split(" +")));
    assertEquals(
        List.of("0", "input:0", "conv1/MaxPool:0", "conv1/Conv2d"),
        List.of(lines.get(header + 2).split(" +")));
    assertEquals(
        List.of("3", "flatten/Reshape:0", "dense1/Relu:0", "dense1/MatMul"),
        List.of(lines.get(header + 5).split(" +")));
    assertEquals(header + 7, lines.size(), r.out());
  }

  /** With --json: a blocks array, each with its index, inputs, outputs and layers. */
  @Test
  void theJsonListsEachBlockAndItsLayers() {
    Run r = run("inspect", "--model", MODEL, "--json");

    assertEquals(0, r.status(), r.err());
    JsonArray blocks = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("blocks");
    assertEquals(5, blocks.size());
    JsonObject second = blocks.get(1).getAsJsonObject();
    assertEquals(1, second.get("index").getAsInt());
    assertEquals("[\"conv1/MaxPool:0\"]", second.get("inputs").toString());
    assertEquals("[\"dw/Relu6:0\"]", second.get("outputs").toString());
    assertEquals("[\"dw/DepthwiseConv2dNative\"]", second.get("layers").toString());
  }

  /**
   * A model of two inputs: its first block reads both, and runs to the concat where the branches
   * meet (both branches' layers in it); the head is the second block.
   */
  @Test
  void theFirstBlockOfATwoInputModelReadsBothInputs() {
    Path model = InputsModels.twoInputs(dir.resolve("model"));
    Run r = run("inspect", "--model", model.toString(), "--json");

    assertEquals(0, r.status(), r.err());
    JsonArray blocks = JsonParser.parseString(r.out()).getAsJsonObject().getAsJsonArray("blocks");
    assertEquals(2, blocks.size(), r.out());
    JsonObject first = blocks.get(0).getAsJsonObject();
    assertEquals("[\"features:0\",\"image:0\"]", first.get("inputs").toString());
    assertEquals(2, first.getAsJsonArray("layers").size());
    assertEquals(
        "[\""
            + blocks.get(0).getAsJsonObject().getAsJsonArray("outputs").get(0).getAsString()
            + "\"]",
        blocks.get(1).getAsJsonObject().get("inputs").toString());
    assertEquals("[\"y:0\"]", blocks.get(1).getAsJsonObject().get("outputs").toString());
  }
}
