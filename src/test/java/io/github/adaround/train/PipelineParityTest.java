package io.github.adaround.train;

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
 * Every step of {@code pipeline_step.json}: the soft weight, the layer output, the loss parts, the
 * gradient of V and V after the Adam step, replayed as a trajectory; in the folder named by {@code
 * adaround.vectors.dir} and in the repository's per-channel set.
 */
@Tag("torch-parity")
class PipelineParityTest {

  @TestFactory
  Stream<DynamicTest> everyPipelineStepMatchesPyTorch() {
    return replays(ReferenceVectors.folder());
  }

  @TestFactory
  Stream<DynamicTest> everyPerChannelPipelineStepMatchesPyTorch() {
    return replays(ReferenceVectors.perChannelFolder());
  }

  private static Stream<DynamicTest> replays(Path folder) {
    JsonObject file = ReferenceVectors.read(folder, PipelineCaseCheck.FILE);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement run : file.getAsJsonArray("runs")) {
      JsonObject r = run.getAsJsonObject();
      tests.add(
          DynamicTest.dynamicTest(
              "from iteration " + r.get("start_iter").getAsString(),
              () -> assertEquals(List.of(), PipelineCaseCheck.mismatches(file, r))));
    }
    assertFalse(tests.isEmpty(), folder + "/pipeline_step.json holds no run");
    return tests.stream();
  }
}
