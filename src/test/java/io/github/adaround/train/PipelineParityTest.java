package io.github.adaround.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.adaround.reference.ReferenceVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Every step of {@code pipeline_step.json}: the soft weight, the layer output, the loss parts, the
 * gradient of V and V after the Adam step, replayed as a trajectory.
 */
@Tag("torch-parity")
class PipelineParityTest {

  @TestFactory
  Stream<DynamicTest> everyPipelineStepMatchesPyTorch() {
    JsonObject file = ReferenceVectors.read(ReferenceVectors.folder(), "pipeline_step.json");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonElement run : file.getAsJsonArray("runs")) {
      JsonObject r = run.getAsJsonObject();
      tests.add(
          DynamicTest.dynamicTest(
              "from iteration " + r.get("start_iter").getAsString(),
              () -> assertEquals(List.of(), PipelineCaseCheck.mismatches(file, r))));
    }
    assertFalse(tests.isEmpty(), "pipeline_step.json holds no run");
    return tests.stream();
  }
}
