package io.github.adaround.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.github.adaround.reference.ReferenceVectors;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The parity check itself is strict: moving any one expected value makes it fail. */
class QuantizerParityCheckTest {

  private static JsonObject firstCase(String name) {
    JsonArray cases =
        ReferenceVectors.read(ReferenceVectors.folder(), "quantizer_cases.json")
            .getAsJsonArray("cases");
    for (var c : cases) {
      if (c.getAsJsonObject().get("name").getAsString().equals(name)) {
        return c.getAsJsonObject().deepCopy();
      }
    }
    throw new AssertionError("no case " + name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "observer_scale",
        "scale",
        "X_q",
        "X_q_floor",
        "residual",
        "V_init",
        "h_soft_preclamp",
        "h_soft",
        "out_soft",
        "out_hard",
        "grad_V"
      })
  void oneMovedFloatIsReported(String field) {
    JsonObject c = firstCase("pc_4bit_conv_8x3x3x3");
    assertEquals(List.of(), QuantizerCaseCheck.mismatches(c), "unmodified case must pass");
    JsonArray data = c.getAsJsonObject(field).getAsJsonArray("data");
    int index = data.size() / 2 + 1;
    float value = Float.parseFloat(data.get(index).getAsString());
    float moved = value == 0f ? 1e-3f : value + Math.abs(value) * 1e-3f;
    data.set(index, new JsonPrimitive(moved));
    List<String> mismatches = QuantizerCaseCheck.mismatches(c);
    assertTrue(
        mismatches.stream().anyMatch(m -> m.contains(field)),
        "moving " + field + "[" + index + "] must be reported, got " + mismatches);
  }

  @ParameterizedTest
  @ValueSource(strings = {"h_hard", "zero_point"})
  void oneMovedIntegerIsReported(String field) {
    JsonObject c = firstCase("pc_4bit_conv_8x3x3x3");
    JsonArray data = c.getAsJsonObject(field).getAsJsonArray("data");
    data.set(0, new JsonPrimitive(data.get(0).getAsInt() == 0 ? 1 : 0));
    assertTrue(QuantizerCaseCheck.mismatches(c).stream().anyMatch(m -> m.contains(field)));
  }
}
