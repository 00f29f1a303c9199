package io.github.adaround.engine;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The weight encodings in the JSON format that Qualcomm's AIMET writes and its toolchains read:
 * {@code param_encodings} keyed by weight variable, one entry per channel (per-channel grids) or
 * one per tensor, each {@code {bitwidth, dtype, is_symmetric, scale, offset, min, max}}. Symmetric
 * signed grids have {@code offset = qmin}, {@code min = qmin * scale}, {@code max = qmax * scale}.
 */
final class EncodingsFile {

  static final String VERSION = "0.6.1";

  private EncodingsFile() {}

  static JsonObject encodings(List<LayerReport> layers, int bits) {
    int qmin = -(1 << (bits - 1));
    int qmax = (1 << (bits - 1)) - 1;
    JsonObject params = new JsonObject();
    for (LayerReport layer : layers) {
      JsonArray channels = new JsonArray();
      for (float scale : layer.scale()) {
        JsonObject e = new JsonObject();
        e.addProperty("bitwidth", bits);
        e.addProperty("dtype", "int");
        e.addProperty("is_symmetric", "True");
        e.addProperty("max", qmax * scale);
        e.addProperty("min", qmin * scale);
        e.addProperty("offset", qmin);
        e.addProperty("scale", scale);
        channels.add(e);
      }
      params.add(layer.weight(), channels);
    }
    JsonObject root = new JsonObject();
    root.addProperty("version", VERSION);
    root.add("activation_encodings", new JsonObject());
    root.add("param_encodings", params);
    return root;
  }

  static void write(Path file, List<LayerReport> layers, int bits) throws IOException {
    Files.writeString(
        file,
        new GsonBuilder().setPrettyPrinting().create().toJson(encodings(layers, bits)) + "\n",
        StandardCharsets.UTF_8);
  }
}
