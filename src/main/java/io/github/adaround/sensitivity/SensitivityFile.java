package io.github.adaround.sensitivity;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code sensitivity.json}: the settings, each layer's output distance at each bit width (SQNR in
 * dB, {@code null} where the outputs are unchanged; KL divergence in nats), and the size-accuracy
 * front of {@link BitAllocation}: per point its average bits per weight, total bytes, predicted
 * output SQNR and the bits of each layer.
 */
public final class SensitivityFile {

  private SensitivityFile() {}

  public static void write(
      Path file,
      String model,
      boolean perChannel,
      int samples,
      List<LayerSensitivity> layers,
      List<BitAllocation.Choice> front)
      throws IOException {
    JsonObject root = new JsonObject();
    root.addProperty("model", model);
    root.addProperty("per_channel", perChannel);
    root.addProperty("rounding", "nearest");
    root.addProperty("samples", samples);
    JsonArray list = new JsonArray();
    long size = 0;
    for (LayerSensitivity l : layers) {
      JsonObject o = new JsonObject();
      o.addProperty("name", l.name());
      o.addProperty("op", l.op());
      o.addProperty("weight", l.weight());
      o.addProperty("size", l.size());
      JsonObject byBits = new JsonObject();
      l.byBits()
          .forEach(
              (bits, d) -> {
                JsonObject m = new JsonObject();
                m.addProperty("sqnr_db", Double.isInfinite(d.sqnrDb()) ? null : d.sqnrDb());
                m.addProperty("kl", d.kl());
                byBits.add(Integer.toString(bits), m);
              });
      o.add("by_bits", byBits);
      list.add(o);
      size += l.size();
    }
    root.add("layers", list);
    JsonArray points = new JsonArray();
    for (BitAllocation.Choice c : front) {
      JsonObject p = new JsonObject();
      p.addProperty("average_bits", (double) c.totalBits() / size);
      p.addProperty("bytes", (c.totalBits() + 7) / 8);
      p.addProperty("predicted_sqnr_db", c.cost() == 0 ? null : -10 * Math.log10(c.cost()));
      JsonObject bits = new JsonObject();
      for (Map.Entry<String, Integer> e : c.bits().entrySet()) {
        bits.addProperty(e.getKey(), e.getValue());
      }
      p.add("layers", bits);
      points.add(p);
    }
    root.add("front", points);
    Files.writeString(
        file,
        new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(root) + "\n",
        StandardCharsets.UTF_8);
  }
}
