package io.github.adaround.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Checks of an exported model read back through its own format. */
public final class ExportedWeights {

  private ExportedWeights() {}

  /**
   * Asserts that every weight that {@code encodings.json} declares is, in the model reloaded from
   * {@code out}, exactly {@code k * scale} of its channel's scale with {@code k} in {@code [offset,
   * offset + 2^bits - 1]}; the channel of a flat index is its row-major index over the weight's
   * {@code channel_axes} in {@code report.json} (axis 2 of a Conv2DTranspose kernel), or, where the
   * report gives none, its position modulo the channel count.
   *
   * @return the weights checked, by name, with their values
   */
  public static Map<String, float[]> assertOnDeclaredGrid(Path out, String signature)
      throws Exception {
    try (ModelSource model = ModelSources.open(out, signature, Set.of())) {
      return assertOnDeclaredGrid(out, model);
    }
  }

  /**
   * As {@link #assertOnDeclaredGrid(Path, String)}, the weights read from {@code model} (the export
   * of {@code out}, opened in its format).
   */
  public static Map<String, float[]> assertOnDeclaredGrid(Path out, ModelSource model)
      throws Exception {
    JsonObject params =
        JsonParser.parseString(Files.readString(out.resolve("encodings.json")))
            .getAsJsonObject()
            .getAsJsonObject("param_encodings");
    assertFalse(params.isEmpty(), "encodings.json declares weights");
    Map<String, JsonObject> layers = reportedLayers(out);
    Map<String, float[]> weights = new TreeMap<>();
    for (Map.Entry<String, JsonElement> entry : params.entrySet()) {
      JsonArray channels = entry.getValue().getAsJsonArray();
      float[] w = model.read(entry.getKey());
      JsonObject layer = layers.get(entry.getKey());
      for (int i = 0; i < w.length; i++) {
        JsonObject e = channels.get(channelOf(layer, i, channels.size())).getAsJsonObject();
        float scale = e.get("scale").getAsFloat();
        int qmin = e.get("offset").getAsInt();
        int qmax = qmin + (1 << e.get("bitwidth").getAsInt()) - 1;
        int k = Math.round(w[i] / scale);
        assertTrue(k >= qmin && k <= qmax, entry.getKey() + "[" + i + "] beyond the grid");
        assertEquals(k * scale, w[i], 0f, entry.getKey() + "[" + i + "] off the grid");
      }
      weights.put(entry.getKey(), w);
    }
    return weights;
  }

  /** The layers of {@code out/report.json} by weight name (none without the file). */
  private static Map<String, JsonObject> reportedLayers(Path out) throws IOException {
    Map<String, JsonObject> layers = new TreeMap<>();
    Path report = out.resolve("report.json");
    if (Files.exists(report)) {
      for (JsonElement e :
          JsonParser.parseString(Files.readString(report))
              .getAsJsonObject()
              .getAsJsonArray("layers")) {
        layers.put(e.getAsJsonObject().get("weight").getAsString(), e.getAsJsonObject());
      }
    }
    return layers;
  }

  /** The channel of flat index {@code i}: row-major over the layer's channel axes. */
  private static int channelOf(JsonObject layer, int i, int channels) {
    if (layer == null || !layer.has("channel_axes")) {
      return i % channels;
    }
    JsonArray shape = layer.getAsJsonArray("shape");
    long[] strides = new long[shape.size()];
    long stride = 1;
    for (int a = shape.size() - 1; a >= 0; a--) {
      strides[a] = stride;
      stride *= shape.get(a).getAsLong();
    }
    int channel = 0;
    for (JsonElement axis : layer.getAsJsonArray("channel_axes")) {
      long size = shape.get(axis.getAsInt()).getAsLong();
      channel = (int) (channel * size + (i / strides[axis.getAsInt()]) % size);
    }
    return channel;
  }

  /** The bytes of {@code file} in {@code a} and {@code b} are the same. */
  public static boolean sameFile(Path a, Path b, String file) throws IOException {
    return java.util.Arrays.equals(
        Files.readAllBytes(a.resolve(file)), Files.readAllBytes(b.resolve(file)));
  }
}
