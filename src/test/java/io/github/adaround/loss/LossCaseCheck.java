package io.github.adaround.loss;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.adaround.quant.RectifiedSigmoid;
import io.github.adaround.reference.RefTensor;
import io.github.adaround.reference.ReferenceConfig;
import io.github.adaround.reference.Tolerance;
import io.github.adaround.tf.TensorData;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Replays one parameter group and V of {@code loss_vectors.json} through {@link AdaroundLoss} and
 * lists every entry that differs from the reference beyond the README's tolerances.
 */
final class LossCaseCheck {

  private LossCaseCheck() {}

  static List<String> mismatches(JsonObject file, JsonObject group, JsonObject input) {
    JsonObject params = group.getAsJsonObject("params");
    long maxIter = ReferenceConfig.maxIter(params);
    LossConfig config = ReferenceConfig.loss(params);
    BetaSchedule schedule = new BetaSchedule(config, maxIter);
    String vName = input.get("V_name").getAsString();
    RefTensor v = RefTensor.parse(file.get(vName));
    RefTensor soft = RefTensor.parse(file.get("soft_quantized_output"));
    RefTensor orig = RefTensor.parse(file.get("original_output"));
    Tolerance t = new Tolerance("max_iter=" + maxIter + " " + params + " " + vName);
    t.check(
        schedule.warmStartEnd() == group.get("warm_start_end_iter").getAsDouble(),
        "warm start end " + schedule.warmStartEnd());

    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> vIn = tf.placeholder(TFloat32.class);
      Placeholder<TFloat32> softIn = tf.placeholder(TFloat32.class);
      Placeholder<TInt64> it = tf.placeholder(TInt64.class);
      AdaroundLoss loss =
          AdaroundLoss.create(
              tf,
              config,
              maxIter,
              softIn,
              tf.constantOf(orig.toTensor()),
              RectifiedSigmoid.soft(tf, vIn),
              it);
      var grads = tf.gradients(loss.total(), List.of(vIn, softIn));
      Operand<TFloat32> gradV = grads.dy(0);
      Operand<TFloat32> gradSoft = grads.dy(1);

      for (JsonElement e : input.getAsJsonArray("entries")) {
        JsonObject entry = e.getAsJsonObject();
        long iter = entry.get("curr_iter").getAsLong();
        String at = "it=" + iter + " ";
        boolean warm = entry.get("warm_start_active").getAsBoolean();
        t.check(schedule.isWarmStart(iter) == warm, at + "warm start " + !warm);
        try (TFloat32 vT = v.toTensor();
            TFloat32 softT = soft.toTensor();
            TInt64 itT = TInt64.scalarOf(iter);
            Result r =
                session
                    .runner()
                    .feed(vIn, vT)
                    .feed(softIn, softT)
                    .feed(it, itT)
                    .fetch(loss.beta())
                    .fetch(loss.regularization())
                    .fetch(loss.reconstruction())
                    .fetch(loss.total())
                    .fetch(gradV)
                    .fetch(gradSoft)
                    .run()) {
          if (!entry.get("beta").isJsonNull()) {
            double beta = entry.get("beta").getAsDouble();
            // The vectors' beta took numpy's SIMD cos, which can be 1 ulp from the correctly
            // rounded cos used here; 1 + cos cancels near the end, so the double beta may differ
            // in its last few bits. The float32 beta that enters the power must be identical.
            t.withinRelative(at + "beta", beta, schedule.beta(iter), 1e-14);
            t.check(
                TensorData.scalar(r.get(0)) == (float) beta,
                at + "graph beta " + TensorData.scalar(r.get(0)) + " != " + (float) beta);
          }
          float reg = TensorData.scalar(r.get(1));
          float expectedReg = entry.get("regularization").getAsFloat();
          if (warm) {
            t.check(reg == 0f, at + "regularization in warm start is " + reg);
          } else {
            t.withinRelative(at + "regularization", expectedReg, reg, 2e-6);
          }
          t.withinRelative(
              at + "reconstruction",
              entry.get("reconstruction").getAsFloat(),
              TensorData.scalar(r.get(2)),
              8e-6);
          t.withinRelative(
              at + "total", entry.get("total").getAsFloat(), TensorData.scalar(r.get(3)), 8e-6);
          float[] gv = TensorData.floats(r.get(4));
          if (entry.get("grad_V_total").isJsonNull()) {
            for (float g : gv) {
              t.check(g == 0f, at + "grad_V in warm start is " + g);
            }
          } else {
            RefTensor expected = RefTensor.parse(entry.get("grad_V_total"));
            // A subnormal reference value may come out as 0 (TF flushes subnormals).
            double bound = Math.max(1e-5 * maxAbs(expected.floats()), Float.MIN_NORMAL);
            t.within(at + "grad_V_total", expected, gv, i -> bound);
            t.sameZeroPatternAboveSubnormals(at + "grad_V_total", expected, gv);
          }
          RefTensor expectedSoft = RefTensor.parse(entry.get("grad_soft_output_total"));
          double bound = 1e-5 * maxAbs(expectedSoft.floats());
          t.within(
              at + "grad_soft_output_total", expectedSoft, TensorData.floats(r.get(5)), i -> bound);
        }
      }
    }
    return t.mismatches();
  }

  private static double maxAbs(float[] values) {
    double m = 0;
    for (float x : values) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }
}
