package io.github.adaround.engine;

import io.github.adaround.cache.LayerCaches;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.export.LayerReport;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quadratic.GramStatistics;
import io.github.adaround.quadratic.PatchLayout;
import io.github.adaround.quadratic.QuadraticChoice;
import io.github.adaround.quadratic.QuadraticLayerGraph;
import io.github.adaround.quadratic.QuadraticStatistics;
import io.github.adaround.quadratic.QuadraticTrainer;
import io.github.adaround.rebuild.BatchNormFolding;
import io.github.adaround.rebuild.LayerRebuilder;
import io.github.adaround.tf.LayerThreads;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.AdaroundLayerGraph;
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
 * AdaRound of one layer (Nagel et al. 2020, section 4 and 5):
 *
 * <ol>
 *   <li>prepare its weight ({@link PreparedWeight});
 *   <li>cache its input from the model whose earlier layers are already hardened ("asymmetric
 *       reconstruction") and its FP output {@code f(W x_fp + b)} from the untouched model;
 *   <li>learn V on the layer rebuilt in a small training graph, then harden ({@code V >= 0}): on
 *       minibatches of the cached activations, or, under {@link Objective#QUADRATIC} where it is
 *       cheaper, on the quadratic form of the pre-activation error over every calibration sample
 *       ({@link QuadraticStatistics}, {@link QuadraticTrainer});
 *   <li>keep rounding to nearest where AdaRound's output error is higher ({@code --keep-best});
 *   <li>write the hardened weight into the quantized model and report.
 * </ol>
 *
 * With a quantized reconstruction, step 2 takes the layer's input from the simulated model and the
 * training graph quantizes it element-wise with QDrop's probability.
 */
final class LayerQuantizer {

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
    PreparedWeight p = PreparedWeight.of(run, index, layer, op);
    PatchLayout patches = LayerRebuilder.patchLayout(op, layer.kernel());
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
          p.qdrop() == null && layer.batchNorm() == null && !layer.reshaped()
              ? quadraticLayout(caches.targets().sampleShape())
              : null;
      LayerTraining trained = config.nearest() ? LayerTraining.NONE : train(t, p, quadratic, heard);
      OutputError errors = new OutputError(session, t.graph(), p.qdrop());
      LayerTraining kept = keepBest(trained, errors, caches, t.graph());
      boolean adaround = kept.learnt();
      LayerReport.Errors measured = errors(errors, t.graph(), caches, adaround);
      LayerReport.Scales grid =
          new LayerReport.Scales(
              config.weights().grid(),
              config.weights().bitsOf(layer.weight()),
              fetch(session, t.graph().quantizer().scale()),
              t.graph().quantizer().scaleShape().asArray());
      write(adaround ? trained.result().hardenedWeight() : nearest, p.bias());
      return new LayerReport(
          new LayerReport.Layer(layer.name(), layer.op(), layer.weight(), shape),
          grid,
          measured,
          rounding(trained, kept, quadratic != null, p.note()),
          (System.nanoTime() - start) / 1e9);
    }
  }

  /** The output errors on the calibration samples, of nearest and of what is exported. */
  private static LayerReport.Errors errors(
      OutputError errors, AdaroundLayerGraph graph, LayerCaches caches, boolean adaround) {
    double nearest = errors.of(graph.nearestOutput(), caches.inputs(), caches.targets());
    return new LayerReport.Errors(
        nearest,
        adaround ? errors.of(graph.hardOutput(), caches.inputs(), caches.targets()) : nearest);
  }

  /** Writes the hardened weight (and the folded bias) into the quantized model. */
  private void write(float[] hardened, float[] bias) {
    run.quantized().write(layer.weight(), Shape.of(shape), hardened);
    if (PreparedWeight.folds(config, layer)) {
      BatchNormFolding.writeInto(run.quantized(), layer, bias);
    }
  }

  /** What was learnt ({@code trained}) and exported ({@code kept}). */
  private static LayerReport.Rounding rounding(
      LayerTraining trained, LayerTraining kept, boolean quadratic, String gridNote) {
    boolean adaround = kept.learnt();
    String note =
        gridNote == null
            ? kept.note()
            : kept.note() == null ? gridNote : gridNote + "; " + kept.note();
    return new LayerReport.Rounding(
        adaround ? "adaround" : "nearest",
        quadratic ? "quadratic" : "minibatch",
        trained.result() == null ? 0 : trained.result().softShare(),
        adaround ? trained.result().changedFromNearest() : 0,
        note);
  }

  /** The layer's cached inputs and FP outputs, from the simulated model when there is one. */
  private LayerCaches caches() {
    return run.simulated() == null
        ? LayerCaches.of(run.fp(), run.quantized(), layer, run.calibration(), config.cacheBytes())
        : run.simulated()
            .caches(run.fp(), run.quantized(), layer, run.calibration(), config.cacheBytes());
  }

  /** The training graph of the layer, initialised. */
  private Training build(Ops tf, Session session, LayerCaches caches, PreparedWeight p) {
    Operand<TFloat32> w = tf.constant(Shape.of(p.shape()), DataBuffers.of(p.weight(), true, false));
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
      Training t, PreparedWeight p, PatchLayout quadratic, TrainingListener heard) {
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

  private static float[] fetch(Session session, Operand<TFloat32> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return TensorData.floats(r.get(0));
    }
  }
}
