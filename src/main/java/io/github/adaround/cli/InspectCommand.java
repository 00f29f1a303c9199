package io.github.adaround.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import io.github.adaround.source.ModelSources;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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
          + " read is listed once."
    })
final class InspectCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "SavedModel folder, or frozen GraphDef file with --input and --output.")
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
    List<QuantizableLayer> layers;
    List<ModelInput> inputs;
    try (ModelSource source =
        frozenGraph.frozen(model)
            ? frozenGraph.open(model, null, Set.of())
            : ModelSources.open(model, signature, Set.of())) {
      layers = LayerInspector.inspect(source.graph(), source.outputTensors());
      inputs = source.inputs();
    }
    if (layers.isEmpty()) {
      spec.commandLine().getErr().println(model + ": no quantizable layers found");
    }
    if (json) {
      spec.commandLine().getOut().println(toJson(inputs, layers));
    } else {
      printInputs(spec.commandLine().getOut(), inputs);
      printTable(spec.commandLine().getOut(), layers);
    }
    return 0;
  }

  private static String toJson(List<ModelInput> inputs, List<QuantizableLayer> layers) {
    JsonArray fed = new JsonArray();
    for (ModelInput input : inputs) {
      JsonObject o = new JsonObject();
      o.addProperty("name", input.key());
      o.addProperty("tensor", input.tensor());
      JsonArray shape = new JsonArray();
      Arrays.stream(input.shape().asArray()).forEach(shape::add);
      o.add("shape", shape);
      fed.add(o);
    }
    JsonArray array = new JsonArray();
    for (QuantizableLayer layer : layers) {
      JsonObject o = new JsonObject();
      o.addProperty("name", layer.name());
      o.addProperty("op", layer.op());
      o.addProperty("weight", layer.weight());
      JsonArray shape = new JsonArray();
      Arrays.stream(layer.shape()).forEach(shape::add);
      o.add("shape", shape);
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
    JsonObject root = new JsonObject();
    root.add("inputs", fed);
    root.add("layers", array);
    return new GsonBuilder().serializeNulls().create().toJson(root);
  }

  private static void printInputs(PrintWriter out, List<ModelInput> inputs) {
    for (ModelInput input : inputs) {
      out.printf(
          "input %s %s (%s)%n",
          input.key(), Arrays.toString(input.shape().asArray()).replace(" ", ""), input.tensor());
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
