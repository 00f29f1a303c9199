package io.github.adaround.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.github.adaround.block.Block;
import io.github.adaround.block.Blocks;
import io.github.adaround.error.UserError;
import io.github.adaround.export.ReportFile;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.NotQuantized;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.GraphEnds;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adaround inspect}: the quantizable layers of a SavedModel. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the quantizable layers of a SavedModel or frozen GraphDef in graph order: each"
          + " Conv2D, DepthwiseConv2dNative and MatMul whose weight is a variable (or constant),"
          + " with the weight's name and shape, the bias added after it, the inference batch norm"
          + " after that and the activation that follows.",
      "Only the layers that the signature's outputs depend on; in TF2/Keras SavedModels, the"
          + " layers inside the functions the signature calls. A weight that several layer ops"
          + " read is listed once. Then the layer ops that are not quantized, with the reason"
          + " (unsupported op, inside a while loop, weight not a variable or constant).",
      "For a graph without signatures (a frozen GraphDef, a SavedModel without SignatureDefs)"
          + " where --input or --output is not given, first lists the candidates: its float"
          + " placeholders and the float outputs that nothing reads.",
      "After the layers, the blocks: the parts of the model between the tensors through which"
          + " every path from its inputs to its outputs passes, each holding at least one layer."
    })
final class InspectCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "SavedModel folder, or frozen GraphDef file (.pb).")
  private Path model;

  @Mixin private FrozenGraphOptions frozenGraph;

  @Option(
      names = "--signature",
      paramLabel = "NAME",
      defaultValue = "serving_default",
      description = "Signature whose layers are listed (default: ${DEFAULT-VALUE}).")
  private String signature;

  @Option(names = "--json", description = "Print {\"inputs\": [...], \"layers\": [...]} on stdout.")
  private boolean json;

  @Override
  public Integer call() throws Exception {
    frozenGraph.frozen(model);
    Optional<GraphEnds> candidates = frozenGraph.candidates(model, Set.of());
    if (candidates.isPresent() && !json) {
      printCandidates(spec.commandLine().getOut(), candidates.get());
      spec.commandLine().getOut().flush();
    }
    List<QuantizableLayer> layers;
    List<NotQuantized> skipped;
    List<ModelInput> inputs;
    List<Block> blocks;
    try (ModelSource source = frozenGraph.open(model, signature, null, Set.of())) {
      layers = LayerInspector.inspect(source.graph(), source.outputTensors());
      skipped = LayerInspector.notQuantized(source.graph(), source.outputTensors());
      inputs = source.inputs();
      blocks = blocks(source, layers);
    } catch (UserError e) {
      if (candidates.isPresent() && json) {
        spec.commandLine().getOut().println(toJson(candidates, null, null, List.of(), List.of()));
      }
      throw e;
    }
    if (layers.isEmpty()) {
      spec.commandLine().getErr().println(model + ": no quantizable layers found");
    }
    if (json) {
      spec.commandLine().getOut().println(toJson(candidates, inputs, layers, skipped, blocks));
    } else {
      printInputs(spec.commandLine().getOut(), inputs);
      printTable(spec.commandLine().getOut(), layers);
      printBlocks(spec.commandLine().getOut(), blocks);
      printNotQuantized(spec.commandLine().getOut(), skipped);
    }
    return 0;
  }

  /**
   * The candidates (as {@code input_candidates} and {@code output_candidates}, when listed), the
   * model's inputs and layers (or null when they could not be listed), the layer ops not quantized
   * and the blocks.
   */
  private static String toJson(
      Optional<GraphEnds> candidates,
      List<ModelInput> inputs,
      List<QuantizableLayer> layers,
      List<NotQuantized> skipped,
      List<Block> blocks) {
    JsonObject root = new JsonObject();
    candidates.ifPresent(
        c -> {
          root.add("input_candidates", toJson(c.inputs()));
          root.add("output_candidates", toJson(c.outputs()));
        });
    if (layers != null) {
      root.add("inputs", inputsJson(inputs));
      root.add("layers", layersJson(layers));
      root.add("not_quantized", ReportFile.notQuantizedJson(skipped));
      root.add("blocks", blocksJson(blocks));
    }
    return new GsonBuilder().serializeNulls().create().toJson(root);
  }

  private static JsonArray inputsJson(List<ModelInput> inputs) {
    JsonArray fed = new JsonArray();
    for (ModelInput input : inputs) {
      JsonObject o = new JsonObject();
      o.addProperty("name", input.key());
      o.addProperty("tensor", input.tensor());
      if (input.shape().isUnknown()) {
        o.add("shape", JsonNull.INSTANCE);
      } else {
        JsonArray shape = new JsonArray();
        Arrays.stream(input.shape().asArray()).forEach(shape::add);
        o.add("shape", shape);
      }
      fed.add(o);
    }
    return fed;
  }

  /** The model's blocks, or none (with a note on stderr) when they cannot be found. */
  private List<Block> blocks(ModelSource source, List<QuantizableLayer> layers) {
    try {
      return Blocks.of(
          source.graph(),
          source.inputs().stream().map(ModelInput::tensor).toList(),
          source.outputTensors(),
          layers);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("note: no blocks: " + e.getMessage());
      return List.of();
    }
  }

  /** Each block: index, input tensors, output tensors and the names of its layer ops. */
  private static JsonArray blocksJson(List<Block> blocks) {
    JsonArray array = new JsonArray();
    for (Block block : blocks) {
      JsonObject o = new JsonObject();
      o.addProperty("index", block.index());
      o.add("inputs", strings(block.inputs()));
      o.add("outputs", strings(block.outputs()));
      o.add("layers", strings(block.layerNames()));
      array.add(o);
    }
    return array;
  }

  private static JsonArray strings(List<String> values) {
    JsonArray array = new JsonArray();
    values.forEach(array::add);
    return array;
  }

  private static void printBlocks(PrintWriter out, List<Block> blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    out.println();
    out.println("BLOCKS");
    String format = "%-6s %-32s %-32s %s%n";
    out.printf(format, "INDEX", "INPUTS", "OUTPUT", "LAYERS");
    for (Block block : blocks) {
      out.printf(
          format,
          block.index(),
          String.join(",", block.inputs()),
          String.join(",", block.outputs()),
          String.join(" ", block.layerNames()));
    }
  }

  private static void printNotQuantized(PrintWriter out, List<NotQuantized> skipped) {
    if (skipped.isEmpty()) {
      return;
    }
    out.println();
    out.println("NOT QUANTIZED");
    for (NotQuantized n : skipped) {
      out.println(n.name() + " (" + n.op() + "): " + n.reason());
    }
  }

  private static JsonArray toJson(List<GraphEnds.Candidate> candidates) {
    JsonArray array = new JsonArray();
    for (GraphEnds.Candidate c : candidates) {
      JsonObject o = new JsonObject();
      o.addProperty("name", c.name());
      o.addProperty("dtype", c.type());
      JsonArray shape = new JsonArray();
      if (!c.shape().isUnknown()) {
        Arrays.stream(c.shape().asArray()).forEach(shape::add);
      }
      o.add("shape", c.shape().isUnknown() ? null : shape);
      array.add(o);
    }
    return array;
  }

  private static void printCandidates(PrintWriter out, GraphEnds ends) {
    String format = "%-10s %-40s %-8s %s%n";
    out.printf(format, "CANDIDATE", "NAME", "DTYPE", "SHAPE");
    ends.inputs().forEach(c -> out.printf(format, "input", c.name(), c.type(), c.dims()));
    ends.outputs().forEach(c -> out.printf(format, "output", c.name(), c.type(), c.dims()));
    out.println();
  }

  private static JsonArray layersJson(List<QuantizableLayer> layers) {
    JsonArray array = new JsonArray();
    for (QuantizableLayer layer : layers) {
      JsonObject o = new JsonObject();
      o.addProperty("name", layer.name());
      o.addProperty("op", layer.op());
      o.addProperty("weight", layer.weight());
      JsonArray shape = new JsonArray();
      Arrays.stream(layer.shape()).forEach(shape::add);
      o.add("shape", shape);
      if (layer.reshaped()) {
        JsonArray kernel = new JsonArray();
        Arrays.stream(layer.kernel()).forEach(kernel::add);
        o.add("read_as", kernel);
      }
      o.addProperty("bias", layer.bias());
      o.addProperty(
          "batch_norm",
          layer.batchNorm() == null ? null : String.join(" -> ", layer.batchNorm().ops()));
      o.addProperty("activation", layer.activation());
      JsonArray others = new JsonArray();
      layer.alsoReadBy().forEach(others::add);
      o.add("also_read_by", others);
      JsonArray then = new JsonArray();
      layer.followedBy().forEach(then::add);
      o.add("followed_by", then);
      array.add(o);
    }
    return array;
  }

  private static void printInputs(PrintWriter out, List<ModelInput> inputs) {
    for (ModelInput input : inputs) {
      out.printf(
          "input %s %s (%s)%n",
          input.key(),
          input.shape().isUnknown()
              ? "unknown"
              : Arrays.toString(input.shape().asArray()).replace(" ", ""),
          input.tensor());
    }
  }

  private static void printTable(PrintWriter out, List<QuantizableLayer> layers) {
    String format = "%-28s %-22s %-28s %-16s %-20s %-10s %s%n";
    out.printf(format, "LAYER", "OP", "WEIGHT", "SHAPE", "BIAS", "BATCH_NORM", "ACTIVATION");
    for (QuantizableLayer layer : layers) {
      out.printf(
          format,
          layer.name(),
          layer.op(),
          layer.weight(),
          Arrays.toString(layer.shape()).replace(" ", ""),
          orDash(layer.bias()),
          layer.batchNorm() == null ? "-" : layer.batchNorm().form().name().toLowerCase(),
          orDash(layer.activation()));
    }
  }

  private static String orDash(String value) {
    return value == null ? "-" : value;
  }
}
