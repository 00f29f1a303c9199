package io.github.adaround.quant;

import com.google.gson.JsonObject;
import io.github.adaround.reference.RefTensor;
import io.github.adaround.reference.ReferenceConfig;
import io.github.adaround.reference.Tolerance;
import io.github.adaround.tf.TensorData;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Replays one case of {@code quantizer_cases.json} through {@link AdaroundFakeQuantizer} in a real
 * TF session and lists every field that differs from the reference beyond the tolerances of the
 * vectors' README.
 */
final class QuantizerCaseCheck {

  private QuantizerCaseCheck() {}

  static List<String> mismatches(JsonObject c) {
    String name = c.get("name").getAsString();
    QuantSpec spec = ReferenceConfig.quantSpec(c.getAsJsonObject("config"));
    RefTensor x = field(c, "X");
    RefTensor g = field(c, "G");
    Tolerance t = new Tolerance(name);

    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      AdaroundFakeQuantizer q =
          AdaroundFakeQuantizer.create(tf, tf.constant(x.tfShape(), floatsOf(x)), spec, "w");
      Placeholder<TFloat32> vFeed = tf.placeholder(TFloat32.class);
      var overrideV = tf.assign(q.v(), vFeed);
      Operand<TFloat32> preClamp = RectifiedSigmoid.preClamp(tf, q.v());
      Operand<TFloat32> objective =
          tf.reduceSum(
              tf.math.mul(q.softOutput(), tf.constant(g.tfShape(), floatsOf(g))),
              tf.constant(IntStream.range(0, x.shape().length).toArray()));
      Operand<TFloat32> gradV = tf.gradients(objective, List.of(q.v())).dy(0);

      session.run(q.observe());
      float[] scale;
      try (Result r =
          session
              .runner()
              .fetch(q.scale())
              .fetch(q.zeroPoint())
              .fetch(q.scaledWeight())
              .fetch(q.gridFloor())
              .fetch(q.residual())
              .fetch(q.v())
              .run()) {
        scale = TensorData.floats(r.get(0));
        t.bitExact("observer_scale", field(c, "observer_scale"), scale);
        t.bitExact("scale", field(c, "scale"), scale);
        t.check(
            Arrays.equals(q.scaleShape().asArray(), field(c, "scale").shape()),
            "scale shape " + q.scaleShape());
        t.bitExact("zero_point", field(c, "zero_point"), toFloats(TensorData.ints(r.get(1))));
        t.bitExact("X_q", field(c, "X_q"), TensorData.floats(r.get(2)));
        t.bitExact("X_q_floor", field(c, "X_q_floor"), TensorData.floats(r.get(3)));
        t.bitExact("residual", field(c, "residual"), TensorData.floats(r.get(4)));
        t.withinUlps("V_init", field(c, "V_init"), TensorData.floats(r.get(5)), 1);
      }
      if (c.get("V_overridden").getAsBoolean()) {
        try (TFloat32 v = field(c, "V_used").toTensor()) {
          session.runner().feed(vFeed, v).addTarget(overrideV).run().close();
        }
      }
      float[] elementScale = broadcast(scale, x.size());
      try (Result r =
          session
              .runner()
              .fetch(preClamp)
              .fetch(q.softRoundingValue())
              .fetch(q.hardRoundingValue())
              .fetch(q.softOutput())
              .fetch(q.hardOutput())
              .fetch(gradV)
              .run()) {
        t.within(
            "h_soft_preclamp", field(c, "h_soft_preclamp"), TensorData.floats(r.get(0)), i -> 3e-7);
        t.within("h_soft", field(c, "h_soft"), TensorData.floats(r.get(1)), i -> 3e-7);
        t.bitExact("h_hard", field(c, "h_hard"), TensorData.floats(r.get(2)));
        t.within(
            "out_soft",
            field(c, "out_soft"),
            TensorData.floats(r.get(3)),
            i -> 1e-6 * elementScale[i]);
        t.bitExact("out_hard", field(c, "out_hard"), TensorData.floats(r.get(4)));
        float[] grad = TensorData.floats(r.get(5));
        t.within(
            "grad_V",
            field(c, "grad_V"),
            grad,
            i -> 2e-7 * Math.abs(g.floats()[i] * elementScale[i]));
        t.sameZeroPattern("grad_V", field(c, "grad_V"), grad);
      }
    }
    return t.mismatches();
  }

  /** The per-element scale, for the reference's axis-0 channels (or one scale per tensor). */
  private static float[] broadcast(float[] scale, int size) {
    float[] out = new float[size];
    int perChannel = size / scale.length;
    for (int i = 0; i < size; i++) {
      out[i] = scale[i / perChannel];
    }
    return out;
  }

  private static RefTensor field(JsonObject c, String key) {
    return RefTensor.parse(c.get(key));
  }

  private static FloatDataBuffer floatsOf(RefTensor t) {
    return DataBuffers.of(t.floats(), true, false);
  }

  private static float[] toFloats(int[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
