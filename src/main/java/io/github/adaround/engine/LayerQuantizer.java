package io.github.adaround.engine;

import io.github.adaround.activation.QDropInput;
import io.github.adaround.cache.LayerCaches;
import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.error.UserError;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quadratic.GramStatistics;
import io.github.adaround.quadratic.PatchLayout;
import io.github.adaround.quadratic.QuadraticChoice;
import io.github.adaround.quadratic.QuadraticLayerGraph;
import io.github.adaround.quadratic.QuadraticStatistics;
import io.github.adaround.quadratic.QuadraticTrainer;
import io.github.adaround.quant.Grid;
import io.github.adaround.quant.MseScaleSearch;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.rebuild.BatchNormFolding;
import io.github.adaround.rebuild.BatchNormValues;
import io.github.adaround.rebuild.LayerRebuilder;
import io.github.adaround.tf.LayerThreads;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundLayerGraph;
import io.github.adaround.train.LayerFunction;
import io.github.adaround.train.LayerTrainer;
import io.github.adaround.train.Objective;
import io.github.adaround.train.TrainingListener;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * AdaRound of one layer: prepare its weight, learn V in a small training graph of the rebuilt layer
 * (on minibatches of the cached activations, or on the quadratic form of its pre-activation error),
 * keep the better of AdaRound and nearest, write the hardened weight into the quantized model and
 * report.
 */
final class LayerQuantizer {

  /**
   * The weight as it is quantized: finite, with its batch norm folded in when asked.
   *
   * @param scale the grid's scales, or null where the graph's min-max observer chooses them
   * @param function the layer as the training graph computes it
   * @param qdrop the layer's QDrop input (then also its function), or null
   */
  private record Prepared(
      float[] weight,
      float[] bias,
      QuantSpec spec,
      float[] scale,
      LayerFunction function,
      QDropInput qdrop) {}

  /** The layer's training graph in its session, and where its samples are cached. */
  private record Training(
      Ops tf, Session session, AdaroundLayerGraph graph, LayerCaches caches, Operand<TFloat32> w) {}

  private final RunContext run;
  private final QuantizeConfig config;
  private final int index;
  private final QuantizableLayer layer;
  private final long[] shape;
  private final GraphOperation op;

  /** Layer {@code index} (0-based) of the run. */
  LayerQuantizer(RunContext run, int index, QuantizableLayer layer) {
    this.run = run;
    this.config = run.config();
    this.index = index;
    this.layer = layer;
    this.shape = layer.shape();
    this.op = run.fp().graph().operationOrThrow(layer.name());
  }

  /** Quantizes the layer, telling {@code heard} of the training's losses. */
  LayerReport quantize(TrainingListener heard) {
    long start = System.nanoTime();
    Prepared p = prepare();
    PatchLayout patches = LayerRebuilder.patchLayout(op, shape);
    try (LayerCaches caches = caches();
        Graph graph = new Graph();
        Session session =
            LayerThreads.of(
                    patches == null ? 0 : patches.depth(),
                    config.recipe().batchSize(),
                    caches.targets().sampleShape().size())
                .open(graph)) {
      Training t = build(Ops.create(graph), session, caches, p);
      float[] nearest = fetch(session, t.graph().quantizer().nearestOutput());
      PatchLayout quadratic =
          p.qdrop() == null && layer.batchNorm() == null
              ? quadraticLayout(caches.targets().sampleShape())
              : null;
      LayerTraining trained = config.nearest() ? LayerTraining.NONE : train(t, p, quadratic, heard);
      OutputError errors = new OutputError(session, t.graph(), p.qdrop());
      LayerTraining kept = keepBest(trained, errors, caches, t.graph());
      boolean adaround = kept.learnt();
      float[] hardened = adaround ? trained.result().hardenedWeight() : nearest;
      double nearestError = errors.of(t.graph().nearestOutput(), caches.inputs(), caches.targets());
      double error =
          adaround
              ? errors.of(t.graph().hardOutput(), caches.inputs(), caches.targets())
              : nearestError;
      float[] scales = fetch(session, t.graph().quantizer().scale());
      run.quantized().write(layer.weight(), Shape.of(shape), hardened);
      if (folds(config, layer)) {
        BatchNormFolding.writeInto(run.quantized(), layer, p.bias());
      }
      return new LayerReport(
          new LayerReport.Layer(layer.name(), layer.op(), layer.weight(), shape),
          new LayerReport.Scales(
              config.weights().grid(), scales, t.graph().quantizer().scaleShape().asArray()),
          new LayerReport.Errors(nearestError, error),
          new LayerReport.Rounding(
              adaround ? "adaround" : "nearest",
              quadratic == null ? "minibatch" : "quadratic",
              trained.result() == null ? 0 : trained.result().softShare(),
              adaround ? trained.result().changedFromNearest() : 0,
              kept.note()),
          (System.nanoTime() - start) / 1e9);
    }
  }

  /**
   * The FP weight and bias (batch norm folded in when asked), the grid and the layer's function.
   *
   * @throws UserError when the weight holds NaN or Inf
   */
  private Prepared prepare() {
    float[] weight = run.fp().read(layer.weight());
    for (float w : weight) {
      if (!Float.isFinite(w)) {
        throw new UserError(
            "layer " + layer.name() + ": weight '" + layer.weight() + "' contains NaN or Inf");
      }
    }
    float[] bias = layer.bias() == null ? null : run.fp().read(layer.bias());
    BatchNormValues batchNorm = batchNormOf(run.fp(), layer, op);
    if (folds(config, layer)) {
      BatchNormFolding.Folded folded = BatchNormFolding.fold(op, shape, weight, bias, batchNorm);
      weight = folded.weight();
      bias = folded.bias();
      batchNorm = null;
    }
    QuantSpec spec = QuantSpec.signed(config.weights().bits());
    if (config.weights().perChannel()) {
      spec = spec.perChannel(LayerRebuilder.channelAxes(op));
    }
    // null: the graph's min-max observer chooses the scale, bit-exact with the reference.
    float[] scale =
        config.weights().grid() == Grid.MSE ? MseScaleSearch.scales(weight, shape, spec) : null;
    LayerFunction function = LayerRebuilder.rebuild(op, layer, bias, batchNorm);
    QDropInput qdrop = null;
    if (run.simulated() != null) {
      // Each layer draws its own element masks, seeded by the run's seed and the layer's index.
      qdrop =
          run.simulated().quantizedInput(function, layer, config.recipe().seed() * 1000 + index);
      function = qdrop;
    }
    return new Prepared(weight, bias, spec, scale, function, qdrop);
  }

  /** The layer's cached inputs and FP outputs, from the simulated model when there is one. */
  private LayerCaches caches() {
    return run.simulated() == null
        ? LayerCaches.of(run.fp(), run.quantized(), layer, run.calibration(), config.cacheBytes())
        : run.simulated()
            .caches(run.fp(), run.quantized(), layer, run.calibration(), config.cacheBytes());
  }

  /** The training graph of the layer, initialised. */
  private Training build(Ops tf, Session session, LayerCaches caches, Prepared p) {
    Operand<TFloat32> w = tf.constant(Shape.of(shape), DataBuffers.of(p.weight(), true, false));
    AdaroundLayerGraph graph =
        AdaroundLayerGraph.createWithScale(
            tf,
            w,
            layer.weight(),
            p.spec(),
            p.function(),
            caches.inputs().sampleShape(),
            caches.targets().sampleShape(),
            config.recipe(),
            p.scale());
    session.run(graph.initialize());
    return new Training(tf, session, graph, caches, w);
  }

  /** Learns V on minibatches, or on the quadratic form when {@code quadratic} is not null. */
  private LayerTraining train(
      Training t, Prepared p, PatchLayout quadratic, TrainingListener heard) {
    LayerCaches caches = t.caches();
    if (quadratic == null) {
      return LayerTraining.run(
          checked ->
              new LayerTrainer(t.session(), t.graph())
                  .train(caches.inputs(), caches.targets(), checked),
          heard);
    }
    return LayerTraining.run(
        checked -> {
          GramStatistics statistics =
              QuadraticStatistics.collect(
                  run.fp(),
                  LayerRebuilder.preActivation(run.fp().graph(), layer),
                  run.calibration(),
                  caches.inputs(),
                  quadratic,
                  LayerRebuilder.rebuildLinear(op, p.bias()),
                  p.weight(),
                  shape,
                  caches.targets().sampleShape());
          QuadraticLayerGraph form =
              QuadraticLayerGraph.create(
                  t.tf(), t.graph().quantizer(), t.w(), statistics, config.recipe());
          return new QuadraticTrainer(t.session(), form).train(checked);
        },
        heard);
  }

  /**
   * {@code trained}, or nearest with a note where AdaRound's output error on the check samples is
   * above nearest's ({@code --keep-best}).
   */
  private LayerTraining keepBest(
      LayerTraining trained, OutputError errors, LayerCaches caches, AdaroundLayerGraph graph) {
    if (!trained.learnt() || !config.keepBest()) {
      return trained;
    }
    double ada = errors.of(graph.hardOutput(), caches.checkInputs(), caches.checkTargets());
    double near = errors.of(graph.nearestOutput(), caches.checkInputs(), caches.checkTargets());
    if (!(ada > near)) {
      return trained;
    }
    return new LayerTraining(
        trained.result(),
        String.format(
            "AdaRound's error %.4g is above nearest's %.4g on %s samples; kept nearest",
            ada, near, caches.heldBack() ? "held-back" : "calibration"));
  }

  /**
   * The layer's patches when it learns from the quadratic form ({@link Objective#QUADRATIC} and
   * {@link QuadraticChoice#cheaper}), else null. The caller asks only for layers without a batch
   * norm and without QDrop: the form is of the layer's own linear output on fixed inputs.
   */
  private PatchLayout quadraticLayout(Shape outputSample) {
    if (config.recipe().objective() != Objective.QUADRATIC) {
      return null;
    }
    PatchLayout layout = LayerRebuilder.patchLayout(op, shape);
    return layout != null
            && QuadraticChoice.cheaper(layout, config.recipe().batchSize(), outputSample.size())
        ? layout
        : null;
  }

  /** Whether the layer's batch norm is folded into its weight and bias. */
  static boolean folds(QuantizeConfig config, QuantizableLayer layer) {
    return config.weights().foldBatchNorm() && layer.batchNorm() != null;
  }

  /** The layer's FP bias with its batch norm folded in. */
  static float[] foldedBias(ModelSession fp, QuantizableLayer layer) {
    GraphOperation op = fp.graph().operationOrThrow(layer.name());
    return BatchNormFolding.fold(
            op,
            layer.shape(),
            fp.read(layer.weight()),
            layer.bias() == null ? null : fp.read(layer.bias()),
            batchNormOf(fp, layer, op))
        .bias();
  }

  private static BatchNormValues batchNormOf(
      ModelSession fp, QuantizableLayer layer, GraphOperation op) {
    return layer.batchNorm() == null
        ? null
        : BatchNormValues.of(
            fp.source().session(),
            layer.batchNorm(),
            LayerRebuilder.channels(op, layer.shape()),
            layer.name());
  }

  private static float[] fetch(Session session, Operand<TFloat32> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
