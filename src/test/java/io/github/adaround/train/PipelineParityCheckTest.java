package io.github.adaround.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.github.adaround.reference.ReferenceVectors;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pipeline replay is strict and reads its setup from the file: moving one expected value, or
 * one setting of {@code config}, makes it fail; a file without {@code config} is refused.
 */
class PipelineParityCheckTest {

  private static JsonObject file() {
    return ReferenceVectors.read(ReferenceVectors.folder(), PipelineCaseCheck.FILE).deepCopy();
  }

  /** The run that starts after the warm start, where every loss term is active. */
  private static JsonObject activeRun(JsonObject file) {
    JsonArray runs = file.getAsJsonArray("runs");
    JsonObject last = runs.get(runs.size() - 1).getAsJsonObject();
    assertTrue(
        last.getAsJsonArray("steps").get(0).getAsJsonObject().get("regularization").getAsFloat()
            != 0f,
        "the last run starts after the warm start");
    return last;
  }

  @ParameterizedTest
  @ValueSource(strings = {"q_weight", "q_out", "grad_V", "V_after_step"})
  void oneMovedTensorValueIsReported(String field) {
    JsonObject file = file();
    JsonObject run = activeRun(file);
    assertEquals(List.of(), PipelineCaseCheck.mismatches(file, run), "unmodified run must pass");
    JsonObject step = run.getAsJsonArray("steps").get(2).getAsJsonObject();
    JsonArray data = step.getAsJsonObject(field).getAsJsonArray("data");
    int index = data.size() / 2 + 1;
    float value = Float.parseFloat(data.get(index).getAsString());
    data.set(index, new JsonPrimitive(value == 0f ? 1e-3f : value + Math.abs(value) * 1e-3f));
    List<String> mismatches = PipelineCaseCheck.mismatches(file, run);
    assertTrue(
        mismatches.stream().anyMatch(m -> m.contains(field)),
        "moving " + field + "[" + index + "] must be reported, got " + mismatches);
  }

  @ParameterizedTest
  @ValueSource(strings = {"regularization", "reconstruction"})
  void oneMovedLossValueIsReported(String field) {
    JsonObject file = file();
    JsonObject run = activeRun(file);
    JsonObject step = run.getAsJsonArray("steps").get(1).getAsJsonObject();
    float value = step.get(field).getAsFloat();
    step.addProperty(field, value * (1 + 1e-4f));
    List<String> mismatches = PipelineCaseCheck.mismatches(file, run);
    assertTrue(mismatches.stream().anyMatch(m -> m.contains(field)), mismatches.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"scale", "V_init"})
  void oneMovedStartValueIsReported(String field) {
    JsonObject file = file();
    JsonObject run = activeRun(file);
    JsonArray data = run.getAsJsonObject(field).getAsJsonArray("data");
    float value = Float.parseFloat(data.get(0).getAsString());
    data.set(0, new JsonPrimitive(value + Math.abs(value) * 1e-3f));
    List<String> mismatches = PipelineCaseCheck.mismatches(file, run);
    assertTrue(mismatches.stream().anyMatch(m -> m.contains(field)), mismatches.toString());
  }

  @Test
  void anotherLossWeightInTheConfigChangesTheReplay() {
    JsonObject file = file();
    JsonObject loss = file.getAsJsonObject("config").getAsJsonObject("loss");
    loss.addProperty("reg_param", loss.get("reg_param").getAsDouble() * 2);
    List<String> mismatches = PipelineCaseCheck.mismatches(file, activeRun(file));
    assertTrue(mismatches.stream().anyMatch(m -> m.contains("regularization")), "" + mismatches);
  }

  @Test
  void anotherIntegerRangeInTheConfigChangesTheReplay() {
    JsonObject file = file();
    JsonObject quantizer = file.getAsJsonObject("config").getAsJsonObject("quantizer");
    quantizer.addProperty("quant_max", quantizer.get("quant_max").getAsInt() + 1);
    assertFalse(PipelineCaseCheck.mismatches(file, activeRun(file)).isEmpty());
  }

  @Test
  void anotherLearningRateInTheConfigChangesTheReplay() {
    JsonObject file = file();
    JsonObject adam = file.getAsJsonObject("config").getAsJsonObject("adam");
    adam.addProperty("lr", adam.get("lr").getAsDouble() * 2);
    List<String> mismatches = PipelineCaseCheck.mismatches(file, activeRun(file));
    assertTrue(mismatches.stream().anyMatch(m -> m.contains("V_after_step")), "" + mismatches);
  }

  @Test
  void aFileWithoutConfigIsRefusedWithAMessage() {
    JsonObject file = file();
    file.remove("config");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PipelineCaseCheck.mismatches(file, activeRun(file)));
    assertEquals("pipeline_step.json has no \"config\" object", e.getMessage());
  }

  @Test
  void aSettingThatThisProjectDoesNotImplementIsRefusedByName() {
    JsonObject file = file();
    file.getAsJsonObject("config").getAsJsonObject("adam").addProperty("weight_decay", 0.01);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> PipelineCaseCheck.mismatches(file, activeRun(file)));
    assertTrue(e.getMessage().contains("weight_decay"), e.getMessage());
  }
}
