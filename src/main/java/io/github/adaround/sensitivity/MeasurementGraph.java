package io.github.adaround.sensitivity;

import io.github.adaround.block.SubgraphCopy;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.source.ModelInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * The graph a sensitivity job runs, self-contained so that it can be sent to a worker: the model's
 * ops from its inputs to its first output ({@link SubgraphCopy}), each layer's weight read from a
 * {@code PlaceholderWithDefault} whose default is the FP weight. A job feeds the samples and one
 * layer's quantized weight; every other layer computes in FP32.
 *
 * @param graphDef the graph
 * @param inputs the placeholders of the model inputs, in the model's order
 * @param weights the weight placeholder of each layer, by weight name
 * @param output the tensor of the model's first output
 */
record MeasurementGraph(
    GraphDef graphDef, List<String> inputs, Map<String, String> weights, String output) {

  /**
   * @param fpWeights each layer's FP weight, by weight name
   */
  static MeasurementGraph of(
      ModelSession model, List<QuantizableLayer> layers, Map<String, float[]> fpWeights) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph).withSubScope("measure");
      Map<String, Operand<?>> fed = new LinkedHashMap<>();
      List<String> inputs = new ArrayList<>();
      List<ModelInput> modelInputs = model.source().inputs();
      for (int i = 0; i < modelInputs.size(); i++) {
        ModelInput input = modelInputs.get(i);
        Placeholder<TFloat32> p =
            tf.withName("input_" + i).placeholder(TFloat32.class, Placeholder.shape(input.shape()));
        fed.put(input.tensor(), p);
        inputs.add(p.op().name());
      }
      Map<String, Operand<TFloat32>> replaced = new LinkedHashMap<>();
      Map<String, String> weights = new LinkedHashMap<>();
      for (int i = 0; i < layers.size(); i++) {
        QuantizableLayer layer = layers.get(i);
        Shape shape = Shape.of(layer.shape());
        Operand<TFloat32> fp =
            tf.constant(shape, DataBuffers.of(fpWeights.get(layer.weight()), true, false));
        Operand<TFloat32> w = tf.withName("weight_" + i).placeholderWithDefault(fp, shape);
        replaced.put(layer.weight(), w);
        weights.put(layer.weight(), w.op().name());
      }
      Output<?> out =
          new SubgraphCopy(model.graph(), model.source().session())
              .copy(tf, fed, model.outputNames().get(0), replaced);
      return new MeasurementGraph(
          graph.toGraphDef(), inputs, weights, out.op().name() + ":" + out.index());
    }
  }
}
