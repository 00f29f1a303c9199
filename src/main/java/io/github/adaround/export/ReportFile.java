package io.github.adaround.export;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.adaround.activation.ActivationConfig;
import io.github.adaround.activation.ActivationEncoding;
import io.github.adaround.activation.MeasuredRange;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.config.Reconstruction;
import io.github.adaround.graph.NotQuantized;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.train.AdaroundRecipe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code report.json}: the settings, per layer what was done and measured (and, from the graph, the
 * other layer ops that read the same weight and the ops after the layer that the rebuild does not
 * express), the layer ops that are not quantized and why (when there are any), totals, and with
 * quantized activations each activation tensor's observed and chosen range and its SQNR on the
 * calibration data (left out where the grid holds every value exactly).
 */
public final class ReportFile {

  private ReportFile() {}

  static JsonObject report(
      Path model,
      QuantizeConfig config,
      int samples,
      List<QuantizableLayer> found,
      List<LayerReport> layers,
      Map<String, MeasuredRange> activations) {
    return report(model, config, samples, found, List.of(), layers, activations);
  }

  static JsonObject report(
      Path model,
      QuantizeConfig config,
      int samples,
      List<QuantizableLayer> found,
      List<NotQuantized> skipped,
      List<LayerReport> layers,
      Map<String, MeasuredRange> activations) {
    return report(model, config, samples, found, skipped, layers, List.of(), activations);
  }

  static JsonObject report(
      Path model,
      QuantizeConfig config,
      int samples,
      List<QuantizableLayer> found,
      List<NotQuantized> skipped,
      List<LayerReport> layers,
      List<BlockReport> blocks,
      Map<String, MeasuredRange> activations) {
    JsonObject root = new JsonObject();
    root.addProperty("model", model.toString());
    root.addProperty("bits", config.weights().bits());
    root.addProperty("per_channel", config.weights().perChannel());
    root.addProperty("grid", config.weights().grid().name().toLowerCase());
    root.addProperty("rounding", config.nearest() ? "nearest" : "adaround");
    root.addProperty("keep_best", config.keepBest());
    root.addProperty("reconstruction", config.reconstruction().name().toLowerCase());
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
    for (int i = 0; i < layers.size(); i++) {
      LayerReport layer = layers.get(i);
      LayerReport.Rounding rounding = layer.rounding();
      JsonObject o = new JsonObject();
      o.addProperty("name", layer.layer().name());
      o.addProperty("op", layer.layer().op());
      o.addProperty("weight", layer.layer().weight());
      JsonArray shape = new JsonArray();
      for (long d : layer.layer().shape()) {
        shape.add(d);
      }
      o.add("shape", shape);
      o.addProperty("grid", layer.grid().grid().name().toLowerCase());
      o.addProperty("bits", layer.grid().bits());
      o.addProperty("channels", layer.grid().channels());
      long[] scaleShape = layer.grid().scaleShape();
      if (scaleShape.length == layer.layer().shape().length) {
        JsonArray axes = new JsonArray();
        for (int a = 0; a < scaleShape.length; a++) {
          if (scaleShape[a] != 1) {
            axes.add(a);
          }
        }
        o.add("channel_axes", axes);
      }
      o.addProperty("recon_error_nearest", layer.errors().nearest());
      o.addProperty("recon_error_adaround", layer.errors().adaround());
      o.addProperty("soft_share_before_hardening", rounding.softShare());
      o.addProperty("changed_from_nearest", rounding.changedFromNearest());
      o.addProperty("rounding", rounding.exported());
      o.addProperty("objective", rounding.objective());
      if (rounding.note() != null) {
        o.addProperty("note", rounding.note());
      }
      QuantizableLayer graph = found.get(i);
      if (!graph.alsoReadBy().isEmpty()) {
        o.addProperty(
            "shared",
            "also read by "
                + String.join(", ", graph.alsoReadBy())
                + "; quantized once, with this layer's data");
      }
      if (graph.batchNorm() != null) {
        o.addProperty("batch_norm_in_loss", String.join(" -> ", graph.batchNorm().ops()));
      }
      if (!graph.followedBy().isEmpty()) {
        o.addProperty(
            "not_rebuilt",
            "followed by "
                + String.join(", ", graph.followedBy())
                + ", which the rebuild does not express; the target is taken before it");
      }
      o.addProperty("seconds", layer.seconds());
      list.add(o);
      seconds += layer.seconds();
      changed += rounding.changedFromNearest();
    }
    root.add("layers", list);
    if (config.reconstruction() == Reconstruction.BLOCK) {
      root.add("blocks", blocksJson(blocks));
    }
    if (!skipped.isEmpty()) {
      root.add("not_quantized", notQuantizedJson(skipped));
    }
    JsonObject totals = new JsonObject();
    totals.addProperty("layers", layers.size());
    totals.addProperty("changed_from_nearest", changed);
    totals.addProperty("seconds", seconds);
    root.add("totals", totals);
    ActivationConfig act = config.activations();
    if (act.enabled()) {
      JsonObject a = new JsonObject();
      a.addProperty("bits", act.bits());
      a.addProperty("range", act.range().name().toLowerCase());
      a.addProperty("reconstruction", act.quantizedReconstruction() ? "quantized" : "float");
      if (act.quantizedReconstruction()) {
        a.addProperty("qdrop", act.qdrop());
      }
      JsonArray tensors = new JsonArray();
      for (MeasuredRange range : activations.values()) {
        ActivationEncoding e = range.encoding();
        JsonObject t = new JsonObject();
        t.addProperty("tensor", range.tensor());
        t.addProperty("observed_min", range.observedMin());
        t.addProperty("observed_max", range.observedMax());
        t.addProperty("min", e.min());
        t.addProperty("max", e.max());
        t.addProperty("scale", e.scale());
        t.addProperty("offset", e.offset());
        t.addProperty("sqnr_db", Double.isFinite(range.sqnrDb()) ? range.sqnrDb() : null);
        tensors.add(t);
      }
      a.add("tensors", tensors);
      root.add("activations", a);
    }
    return root;
  }

  /**
   * The blocks of a block reconstruction, each {@code {"index", "inputs", "outputs", "weights",
   * "seconds", "error_nearest", "error_adaround", "rounding"}}.
   */
  private static JsonArray blocksJson(List<BlockReport> blocks) {
    JsonArray array = new JsonArray();
    for (BlockReport b : blocks) {
      JsonObject o = new JsonObject();
      o.addProperty("index", b.index());
      o.add("inputs", strings(b.inputs()));
      o.add("outputs", strings(b.outputs()));
      o.add("weights", strings(b.weights()));
      o.addProperty("seconds", b.seconds());
      o.addProperty("error_nearest", finite(b.errors().nearest()));
      o.addProperty("error_adaround", finite(b.errors().adaround()));
      o.addProperty("rounding", b.exported());
      array.add(o);
    }
    return array;
  }

  private static JsonArray strings(List<String> values) {
    JsonArray array = new JsonArray();
    values.forEach(array::add);
    return array;
  }

  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }

  /**
   * The layer ops left as they are, each {@code {"name", "op", "reason"}}, as {@code report.json}
   * and {@code inspect --json} list them.
   */
  public static JsonArray notQuantizedJson(List<NotQuantized> skipped) {
    JsonArray array = new JsonArray();
    for (NotQuantized n : skipped) {
      JsonObject o = new JsonObject();
      o.addProperty("name", n.name());
      o.addProperty("op", n.op());
      o.addProperty("reason", n.reason());
      array.add(o);
    }
    return array;
  }

  public static void write(
      Path file,
      Path model,
      QuantizeConfig config,
      int samples,
      List<QuantizableLayer> found,
      List<NotQuantized> skipped,
      List<LayerReport> layers,
      Map<String, MeasuredRange> activations)
      throws IOException {
    write(file, model, config, samples, found, skipped, layers, List.of(), activations);
  }

  /** As the other {@code write}, listing the blocks of a block reconstruction. */
  public static void write(
      Path file,
      Path model,
      QuantizeConfig config,
      int samples,
      List<QuantizableLayer> found,
      List<NotQuantized> skipped,
      List<LayerReport> layers,
      List<BlockReport> blocks,
      Map<String, MeasuredRange> activations)
      throws IOException {
    Files.writeString(
        file,
        new GsonBuilder()
                .setPrettyPrinting()
                .create()
                .toJson(report(model, config, samples, found, skipped, layers, blocks, activations))
            + "\n",
        StandardCharsets.UTF_8);
  }
}
