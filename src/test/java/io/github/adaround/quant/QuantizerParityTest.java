package io.github.adaround.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import io.github.adaround.reference.ReferenceVectors;
import java.util.List;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code quantizer_cases.json} in the folder named by {@code adaround.vectors.dir}:
 * scale, floor, residual and hard output bit for bit, V and the soft path within the README's
 * tolerances, and the gradient of V from TF's autodiff with the reference's zero pattern.
 */
@Tag("torch-parity")
class QuantizerParityTest {

  @TestFactory
  Stream<DynamicTest> everyQuantizerCaseMatchesPyTorch() {
    JsonArray cases =
        ReferenceVectors.read(ReferenceVectors.folder(), "quantizer_cases.json")
            .getAsJsonArray("cases");
    assertFalse(cases.isEmpty(), "quantizer_cases.json holds no case");
    return StreamSupport.stream(cases.spliterator(), false)
        .map(JsonElement::getAsJsonObject)
        .map(
            c ->
                DynamicTest.dynamicTest(
                    c.get("name").getAsString(),
                    () -> assertEquals(List.of(), QuantizerCaseCheck.mismatches(c))));
  }
}
