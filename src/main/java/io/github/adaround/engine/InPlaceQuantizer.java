package io.github.adaround.engine;

import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.data.Calibration;
import io.github.adaround.export.LayerReport;
import io.github.adaround.source.LiveGraph;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;

/**
 * AdaRound of a model held in memory (a graph and session a TF-Java user built or trained, or a
 * loaded {@code SavedModelBundle}): the same layer-wise engine as {@code adaround quantize}, with
 * the hardened weights written into the session's own variables; the caller exports as they like.
 * The FP reference is a snapshot of the session taken when the call starts.
 */
public final class InPlaceQuantizer {

  private final AdaroundEngine engine;

  /** Quantizes with {@code config} (its signature, storage and op options do not apply here). */
  public InPlaceQuantizer(QuantizeConfig config) {
    this(config, EngineListener.SILENT);
  }

  /** As {@link #InPlaceQuantizer(QuantizeConfig)}, telling {@code listener} of each layer. */
  public InPlaceQuantizer(QuantizeConfig config, EngineListener listener) {
    this.engine = new AdaroundEngine(config, listener);
  }

  /**
   * Quantizes every layer on the path from {@code input} to {@code outputs}, learning each rounding
   * from {@code calibration} (samples of {@code input}'s shape without its batch axis), and writes
   * the hardened weights into {@code session}'s variables.
   *
   * @return what was done to each layer, in graph order
   * @throws io.github.adaround.error.UserError when the samples do not fit the input or no
   *     quantizable layer lies on the outputs' path
   */
  public List<LayerReport> quantize(
      Graph graph,
      Session session,
      Operand<?> input,
      List<? extends Operand<?>> outputs,
      Calibration calibration) {
    LiveGraph model = LiveGraph.of(graph, session, input, outputs);
    try (LiveGraph fp = model.snapshot()) {
      return engine.quantize(fp, model, calibration);
    }
  }

  /**
   * As {@link #quantize(Graph, Session, Operand, List, Calibration)} on a model of several inputs:
   * {@code calibration} holds samples of each, named as {@link LiveGraph#of(Graph, Session, List,
   * List)} names them.
   */
  public List<LayerReport> quantize(
      Graph graph,
      Session session,
      List<? extends Operand<?>> inputs,
      List<? extends Operand<?>> outputs,
      Calibration calibration) {
    LiveGraph model = LiveGraph.of(graph, session, inputs, outputs);
    try (LiveGraph fp = model.snapshot()) {
      return engine.quantize(fp, model, calibration);
    }
  }

  /** As {@link #quantize(Graph, Session, Operand, List, Calibration)} on a loaded SavedModel. */
  public List<LayerReport> quantize(
      SavedModelBundle bundle,
      Operand<?> input,
      List<? extends Operand<?>> outputs,
      Calibration calibration) {
    return quantize(bundle.graph(), bundle.session(), input, outputs, calibration);
  }
}
