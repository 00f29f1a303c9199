package io.github.adaround.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.reference.RefTensor;
import io.github.adaround.reference.ReferenceConfig;
import io.github.adaround.reference.Tolerance;
import io.github.adaround.tf.TensorData;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Replays one run of {@code pipeline_step.json} (quantizer, linear layer, reference loss, backward,
 * Adam on V) as a trajectory from its {@code V_start}, through {@link AdaroundLayerGraph}, and
 * lists what differs beyond the README's tolerances. The quantizer, the loss and Adam are built
 * from the file's {@code config}; a file without one is refused.
 */
final class PipelineCaseCheck {

  static final String FILE = "pipeline_step.json";

  private PipelineCaseCheck() {}

  static List<String> mismatches(JsonObject file, JsonObject run) {
    JsonObject config = ReferenceConfig.object(file, "config", FILE);
    QuantSpec spec = ReferenceConfig.quantSpec(ReferenceConfig.object(config, "quantizer", FILE));
    JsonObject lossConfig = ReferenceConfig.object(config, "loss", FILE);
    JsonObject adamConfig = ReferenceConfig.object(config, "adam", FILE);
    if (!config.has("layer") || !config.get("layer").getAsString().startsWith("linear")) {
      throw new IllegalArgumentException(FILE + ": only a linear layer can be replayed");
    }
    AdaroundRecipe recipe =
        AdaroundRecipe.REFERENCE
            .withIterations(ReferenceConfig.maxIter(lossConfig))
            .withLoss(ReferenceConfig.loss(lossConfig))
            .withAdam(ReferenceConfig.adam(adamConfig))
            .withLearningRate(ReferenceConfig.learningRate(adamConfig));
    RefTensor w = RefTensor.parse(file.get("W"));
    RefTensor b = RefTensor.parse(file.get("b"));
    RefTensor x = RefTensor.parse(file.get("x"));
    RefTensor fpOut = RefTensor.parse(file.get("fp_out"));
    long startIter = run.get("start_iter").getAsLong();
    Tolerance t = new Tolerance("run from iteration " + startIter);
    double maxFp = maxAbs(fpOut.floats());

    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> bias = tf.constantOf(b.toTensor());
      AdaroundLayerGraph layer =
          AdaroundLayerGraph.create(
              tf,
              tf.constantOf(w.toTensor()),
              "linear/weight",
              spec,
              (ops, in, weight) ->
                  ops.nn.biasAdd(ops.linalg.matMul(in, weight, MatMul.transposeB(true)), bias),
              Shape.of(x.shape()[1]),
              Shape.of(fpOut.shape()[1]),
              recipe);
      Placeholder<TFloat32> vFeed = tf.placeholder(TFloat32.class);
      var setV = tf.assign(layer.quantizer().v(), vFeed);
      Operand<TFloat32> vNow = tf.snapshot(layer.quantizer().v());

      session.run(layer.initialize());
      t.bitExact(
          "scale", RefTensor.parse(run.get("scale")), floats(session, layer.quantizer().scale()));
      t.withinUlps("V_init", RefTensor.parse(run.get("V_init")), floats(session, vNow), 1);
      try (TFloat32 vStart = RefTensor.parse(run.get("V_start")).toTensor()) {
        session.runner().feed(vFeed, vStart).addTarget(setV).run().close();
      }
      // The scale of each weight's channel (or the tensor's), for the q_weight bound.
      float[] scale =
          floats(session, tf.broadcastTo(layer.quantizer().scale(), tf.constant(w.tfShape())));

      for (JsonElement e : run.getAsJsonArray("steps")) {
        JsonObject step = e.getAsJsonObject();
        long it = step.get("curr_iter").getAsLong();
        String at = "it=" + it + " ";
        try (TFloat32 xT = x.toTensor();
            TFloat32 yT = fpOut.toTensor();
            TInt64 itT = TInt64.scalarOf(it);
            Result r =
                session
                    .runner()
                    .feed(layer.input(), xT)
                    .feed(layer.target(), yT)
                    .feed(layer.iteration(), itT)
                    .fetch(layer.quantizer().softOutput())
                    .fetch(layer.quantizedOutput())
                    .fetch(layer.loss().regularization())
                    .fetch(layer.loss().reconstruction())
                    .fetch(layer.adam().gradient())
                    .addTarget(layer.adam().step())
                    .run()) {
          t.within(
              at + "q_weight",
              field(step, "q_weight"),
              TensorData.floats(r.get(0)),
              i -> 8e-6 * scale[i]);
          t.within(
              at + "q_out", field(step, "q_out"), TensorData.floats(r.get(1)), i -> 2e-6 * maxFp);
          float reg = TensorData.scalar(r.get(2));
          if (step.get("regularization").getAsFloat() == 0f) {
            t.check(reg == 0f, at + "regularization " + reg + " in warm start");
          } else {
            t.withinRelative(
                at + "regularization", step.get("regularization").getAsFloat(), reg, 2e-6);
          }
          t.withinRelative(
              at + "reconstruction",
              step.get("reconstruction").getAsFloat(),
              TensorData.scalar(r.get(3)),
              8e-6);
          RefTensor grad = field(step, "grad_V");
          // A subnormal reference value may come out as 0 (TF flushes subnormals).
          double gradBound = Math.max(3e-5 * maxAbs(grad.floats()), Float.MIN_NORMAL);
          float[] g = TensorData.floats(r.get(4));
          t.within(at + "grad_V", grad, g, i -> gradBound);
          t.sameZeroPatternAboveSubnormals(at + "grad_V", grad, g);
        }
        t.within(
            at + "V_after_step", field(step, "V_after_step"), floats(session, vNow), i -> 3e-7);
      }
    }
    return t.mismatches();
  }

  private static float[] floats(Session session, Operand<TFloat32> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  private static RefTensor field(JsonObject o, String key) {
    return RefTensor.parse(o.get(key));
  }

  private static double maxAbs(float[] values) {
    double m = 0;
    for (float v : values) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}
