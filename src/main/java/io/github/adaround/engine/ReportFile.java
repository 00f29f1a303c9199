package io.github.adaround.engine;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.adaround.train.AdaroundRecipe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code report.json}: the settings, per layer what was done and measured, and totals. */
final class ReportFile {

  private ReportFile() {}

  static JsonObject report(
      Path model, QuantizeConfig config, int samples, List<LayerReport> layers) {
    JsonObject root = new JsonObject();
    root.addProperty("model", model.toString());
    root.addProperty("bits", config.bits());
    root.addProperty("per_channel", config.perChannel());
    root.addProperty("grid", config.grid().name().toLowerCase());
    root.addProperty("rounding", config.nearest() ? "nearest" : "adaround");
    root.addProperty("keep_best", config.keepBest());
    root.addProperty("calibration_samples", samples);
    AdaroundRecipe recipe = config.recipe();
    JsonObject r = new JsonObject();
    r.addProperty("iterations", recipe.iterations());
    r.addProperty("batch", recipe.batchSize());
    r.addProperty("learning_rate", recipe.learningRate());
    r.addProperty("lambda", recipe.loss().lambda());
    r.addProperty("warm_start", recipe.loss().warmStart());
    r.addProperty("beta_start", recipe.loss().betaStart());
    r.addProperty("beta_end", recipe.loss().betaEnd());
    r.addProperty("reduction", recipe.loss().reduction().name().toLowerCase());
    r.addProperty("seed", recipe.seed());
    r.addProperty("objective", recipe.objective().name().toLowerCase());
    root.add("recipe", r);

    JsonArray list = new JsonArray();
    double seconds = 0;
    long changed = 0;
    for (LayerReport layer : layers) {
      JsonObject o = new JsonObject();
      o.addProperty("name", layer.name());
      o.addProperty("op", layer.op());
      o.addProperty("weight", layer.weight());
      JsonArray shape = new JsonArray();
      for (long d : layer.shape()) {
        shape.add(d);
      }
      o.add("shape", shape);
      o.addProperty("grid", layer.grid().name().toLowerCase());
      o.addProperty("channels", layer.scale().length);
      o.addProperty("recon_error_nearest", layer.nearestError());
      o.addProperty("recon_error_adaround", layer.adaroundError());
      o.addProperty("soft_share_before_hardening", layer.softShare());
      o.addProperty("changed_from_nearest", layer.changedFromNearest());
      o.addProperty("rounding", layer.rounding());
      o.addProperty("objective", layer.objective());
      if (layer.note() != null) {
        o.addProperty("note", layer.note());
      }
      o.addProperty("seconds", layer.seconds());
      list.add(o);
      seconds += layer.seconds();
      changed += layer.changedFromNearest();
    }
    root.add("layers", list);
    JsonObject totals = new JsonObject();
    totals.addProperty("layers", layers.size());
    totals.addProperty("changed_from_nearest", changed);
    totals.addProperty("seconds", seconds);
    root.add("totals", totals);
    return root;
  }

  static void write(
      Path file, Path model, QuantizeConfig config, int samples, List<LayerReport> layers)
      throws IOException {
    Files.writeString(
        file,
        new GsonBuilder()
                .setPrettyPrinting()
                .create()
                .toJson(report(model, config, samples, layers))
            + "\n",
        StandardCharsets.UTF_8);
  }
}
