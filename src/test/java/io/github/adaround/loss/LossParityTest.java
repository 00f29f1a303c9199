package io.github.adaround.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.adaround.reference.ReferenceVectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Every group, V and entry of {@code loss_vectors.json}: beta exactly, the loss parts within the
 * README's relative tolerances, and both gradients of the total from TF's autodiff; in the folder
 * named by {@code adaround.vectors.dir} and in the repository's per-channel set, whose gradients
 * reach down to {@code FLT_MIN}.
 */
@Tag("torch-parity")
class LossParityTest {

  @TestFactory
  Stream<DynamicTest> everyLossEntryMatchesPyTorch() {
    return replays(ReferenceVectors.folder());
  }

  @TestFactory
  Stream<DynamicTest> everyLossEntryNearFltMinMatchesPyTorch() {
    return replays(ReferenceVectors.perChannelFolder());
  }

  private static Stream<DynamicTest> replays(Path folder) {
    JsonObject file = ReferenceVectors.read(folder, "loss_vectors.json");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement g : file.getAsJsonArray("groups")) {
      JsonObject group = g.getAsJsonObject();
      for (JsonElement i : group.getAsJsonArray("inputs")) {
        JsonObject input = i.getAsJsonObject();
        tests.add(
            DynamicTest.dynamicTest(
                group.get("params") + " " + input.get("V_name").getAsString(),
                () -> assertEquals(List.of(), LossCaseCheck.mismatches(file, group, input))));
      }
    }
    assertFalse(tests.isEmpty(), folder + "/loss_vectors.json holds no group");
    return tests.stream();
  }
}
