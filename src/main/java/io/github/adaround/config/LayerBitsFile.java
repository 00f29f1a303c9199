package io.github.adaround.config;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.github.adaround.error.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The bit width of each layer, by weight name, as {@code quantize --bits-per-layer FILE} reads it
 * and as a budget's choice writes it:
 *
 * <pre>
 *   {"layers": {"conv1/kernel": 8, "dense1/kernel": 3, ...}}
 * </pre>
 *
 * Layers that the file does not name take {@code --bits}.
 */
public final class LayerBitsFile {

  private LayerBitsFile() {}

  /**
   * @throws UserError when the file cannot be read, is not of this shape, or a width is not an
   *     integer
   */
  public static Map<String, Integer> read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UserError("--bits-per-layer: " + file + " does not exist");
    } catch (IOException e) {
      throw new UserError("--bits-per-layer: cannot read " + file);
    }
    JsonObject layers;
    try {
      JsonElement root = JsonParser.parseString(text);
      if (!root.isJsonObject() || !root.getAsJsonObject().has("layers")) {
        throw new UserError(
            "--bits-per-layer: " + file + " must hold {\"layers\": {\"WEIGHT\": BITS, ...}}");
      }
      layers = root.getAsJsonObject().getAsJsonObject("layers");
    } catch (JsonParseException | ClassCastException | IllegalStateException e) {
      throw new UserError("--bits-per-layer: " + file + " is not JSON of {\"layers\": {...}}");
    }
    Map<String, Integer> bits = new TreeMap<>();
    for (Map.Entry<String, JsonElement> e : layers.entrySet()) {
      JsonElement v = e.getValue();
      if (!v.isJsonPrimitive()
          || !v.getAsJsonPrimitive().isNumber()
          || v.getAsDouble() != Math.rint(v.getAsDouble())) {
        throw new UserError(
            "--bits-per-layer: the bits of '" + e.getKey() + "' in " + file + " are no integer");
      }
      bits.put(e.getKey(), v.getAsInt());
    }
    return bits;
  }

  /** Writes {@code bits} to {@code file} in the shape {@link #read} takes. */
  public static void write(Path file, Map<String, Integer> bits) throws IOException {
    JsonObject layers = new JsonObject();
    new TreeMap<>(bits).forEach(layers::addProperty);
    JsonObject root = new JsonObject();
    root.add("layers", layers);
    Files.writeString(
        file,
        new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n",
        StandardCharsets.UTF_8);
  }
}
