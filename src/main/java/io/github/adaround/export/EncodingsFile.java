package io.github.adaround.export;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.adaround.activation.ActivationEncoding;
import io.github.adaround.activation.MeasuredRange;
import io.github.adaround.config.EncodingsVersion;
import io.github.adaround.quant.Grid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The encodings in the JSON formats that Qualcomm's AIMET writes and its toolchains read.
 *
 * <p>{@code param_encodings} are keyed by weight variable, one entry per channel (per-channel
 * grids) or one per tensor: symmetric signed grids with {@code offset = qmin}, {@code min = qmin *
 * scale}, {@code max = qmax * scale}. {@code activation_encodings} are keyed by TF tensor name
 * ({@code conv1/Relu:0}), one asymmetric entry per tensor, the grid of TF's fake-quant kernel
 * ({@link ActivationEncoding}): {@code offset = round(min / scale) = -zeroPoint}, {@code min} and
 * {@code max} nudged; an alias ({@code flatten/Reshape:0}) repeats its source's entry.
 *
 * <p>Version 0.6.1 maps each name to a list of {@code {bitwidth, dtype, is_symmetric, max, min,
 * offset, scale}}; version 1.0.0 lists {@code {name, enc_type, dtype, bw, is_sym, scale[],
 * offset[]}}.
 */
public final class EncodingsFile {

  private EncodingsFile() {}

  /** One grid: its bits, symmetry and per-channel scales and offsets. */
  private record Grid(int bits, boolean symmetric, float[] scale, int[] offset) {
    float min(int c) {
      return offset[c] * scale[c];
    }

    float max(int c) {
      return (offset[c] + (1 << bits) - 1) * scale[c];
    }
  }

  static JsonObject encodings(
      List<LayerReport> layers,
      Map<String, MeasuredRange> activations,
      Map<String, String> aliases,
      EncodingsVersion version) {
    Map<String, Grid> params = new LinkedHashMap<>();
    for (LayerReport layer : layers) {
      int bits = layer.grid().bits();
      int[] offsets = new int[layer.grid().channels()];
      Arrays.fill(offsets, -(1 << (bits - 1)));
      params.put(layer.layer().weight(), new Grid(bits, true, layer.grid().scale(), offsets));
    }
    Map<String, Grid> acts = new LinkedHashMap<>();
    activations.forEach((tensor, range) -> acts.put(tensor, activationGrid(range.encoding())));
    aliases.forEach((alias, source) -> acts.put(alias, acts.get(source)));
    JsonObject root = new JsonObject();
    root.addProperty("version", version.label());
    if (version == EncodingsVersion.V0_6_1) {
      root.add("activation_encodings", keyed(acts));
      root.add("param_encodings", keyed(params));
    } else {
      root.add("activation_encodings", listed(acts));
      root.add("param_encodings", listed(params));
    }
    return root;
  }

  private static Grid activationGrid(ActivationEncoding e) {
    return new Grid(e.bits(), false, new float[] {e.scale()}, new int[] {e.offset()});
  }

  private static JsonObject keyed(Map<String, Grid> grids) {
    JsonObject out = new JsonObject();
    grids.forEach(
        (name, grid) -> {
          JsonArray channels = new JsonArray();
          for (int c = 0; c < grid.scale().length; c++) {
            JsonObject e = new JsonObject();
            e.addProperty("bitwidth", grid.bits());
            e.addProperty("dtype", "int");
            e.addProperty("is_symmetric", grid.symmetric() ? "True" : "False");
            e.addProperty("max", grid.max(c));
            e.addProperty("min", grid.min(c));
            e.addProperty("offset", grid.offset()[c]);
            e.addProperty("scale", grid.scale()[c]);
            channels.add(e);
          }
          out.add(name, channels);
        });
    return out;
  }

  private static JsonArray listed(Map<String, Grid> grids) {
    JsonArray out = new JsonArray();
    grids.forEach(
        (name, grid) -> {
          JsonObject e = new JsonObject();
          e.addProperty("name", name);
          e.addProperty("enc_type", grid.scale().length > 1 ? "PER_CHANNEL" : "PER_TENSOR");
          e.addProperty("dtype", "INT");
          e.addProperty("bw", grid.bits());
          e.addProperty("is_sym", grid.symmetric());
          JsonArray scales = new JsonArray();
          JsonArray offsets = new JsonArray();
          for (int c = 0; c < grid.scale().length; c++) {
            scales.add(grid.scale()[c]);
            offsets.add(grid.offset()[c]);
          }
          e.add("scale", scales);
          e.add("offset", offsets);
          out.add(e);
        });
    return out;
  }

  public static void write(
      Path file,
      List<LayerReport> layers,
      Map<String, MeasuredRange> activations,
      Map<String, String> aliases,
      EncodingsVersion version)
      throws IOException {
    Files.writeString(
        file,
        new GsonBuilder()
                .setPrettyPrinting()
                .create()
                .toJson(encodings(layers, activations, aliases, version))
            + "\n",
        StandardCharsets.UTF_8);
  }
}
