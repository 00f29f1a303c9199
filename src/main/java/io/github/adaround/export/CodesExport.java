package io.github.adaround.export;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.error.UserError;
import io.github.adaround.quant.ChannelLayout;
import io.github.adaround.source.VariableWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TUint8;

/** Exports a quantized model with its weights stored as uint8 codes (see {@link CodesGraph}). */
public final class CodesExport {

  /** Why a model exported by its own saver cannot store codes. */
  public static final String NO_CODES =
      "--storage codes needs a SavedModel of VariableV2 weights: this one is written back by its"
          + " own saver, whose checkpoint has no place for the codes and scales";

  private CodesExport() {}

  public static void export(ModelSession quantized, List<LayerReport> layers, Path dir)
      throws IOException {
    Map<String, CodesGraph.Coded> coded = new HashMap<>();
    for (LayerReport layer : layers) {
      String weight = layer.layer().weight();
      int quantMin = -(1 << (layer.grid().bits() - 1));
      coded.put(weight, codes(quantized.read(weight), layer, quantMin));
    }
    SavedModelBundle bundle =
        quantized.source().rewritableBundle().orElseThrow(() -> new UserError(NO_CODES));
    String saveTensor = bundle.metaGraphDef().getSaverDef().getSaveTensorName();
    String saverScope =
        saveTensor.contains("/") ? saveTensor.substring(0, saveTensor.indexOf('/')) : "save";
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      graph.importGraphDef(CodesGraph.rewrite(bundle.graph().toGraphDef(), coded, saverScope));
      Iterator<GraphOperation> ops = graph.operations();
      while (ops.hasNext()) {
        GraphOperation op = ops.next();
        if (!op.type().equals("VariableV2")) {
          continue;
        }
        String name = op.name();
        if (name.endsWith("/codes") && coded.containsKey(name.substring(0, name.length() - 6))) {
          CodesGraph.Coded c = coded.get(name.substring(0, name.length() - 6));
          try (TUint8 t =
              TUint8.tensorOf(Shape.of(c.shape()), DataBuffers.of(c.codes(), true, false))) {
            VariableWriter.write(session, graph, name, t);
          }
        } else {
          try (Result r = bundle.session().runner().fetch(name).run()) {
            Tensor value = r.get(0);
            VariableWriter.write(session, graph, name, value);
          }
        }
      }
      var exporter = SavedModelBundle.exporter(dir.toString()).withSession(session);
      for (Signature s : bundle.signatures()) {
        exporter.withSignature(s);
      }
      exporter.export();
    }
  }

  /** {@code k - qmin} of each weight {@code k * scale}, as unsigned bytes. */
  private static CodesGraph.Coded codes(float[] weight, LayerReport layer, int quantMin) {
    float[] scale = layer.grid().scale();
    long[] shape = layer.layer().shape();
    ChannelLayout channels = ChannelLayout.ofScaleShape(shape, layer.grid().scaleShape());
    byte[] codes = new byte[weight.length];
    for (int i = 0; i < weight.length; i++) {
      int k = Math.round(weight[i] / scale[channels.channelOf(i)]);
      codes[i] = (byte) (k - quantMin);
    }
    return new CodesGraph.Coded(
        layer.layer().weight(), shape, codes, layer.grid().scaleShape(), scale, quantMin);
  }
}
