package io.github.adaround.demo;

import io.github.adaround.data.LabeledImages;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Trains {@link FashionCnn} (or another {@link Architecture}) with Adam from Glorot-uniform
 * weights. The initial weights and the order of the images come from the seed, and every step is
 * deterministic, so the same seed on the same machine gives the same weights. A model with batch
 * norms trains on batch moments; its moving statistics are then the mean, over {@value
 * #STATISTICS_IMAGES} training images in batches of {@value #STATISTICS_BATCH}, of the batch
 * moments of the trained model.
 */
public final class Trainer {
  private static final long SHUFFLE_SALT = 0x5DEECE66DL;
  private static final int STATISTICS_IMAGES = 8192;
  private static final int STATISTICS_BATCH = 256;

  private final TrainingConfig config;
  private final ProgressListener progress;
  private final ModelDefinition model;

  /**
   * Trains {@link FashionCnn}.
   *
   * @param config epochs, batch size, learning rate, seed
   * @param progress hears about each epoch
   */
  public Trainer(TrainingConfig config, ProgressListener progress) {
    this(config, progress, Architecture.CNN);
  }

  /**
   * @param config epochs, batch size, learning rate, seed
   * @param progress hears about each epoch
   * @param architecture the model to train
   */
  public Trainer(TrainingConfig config, ProgressListener progress, Architecture architecture) {
    this.config = config;
    this.progress = progress;
    this.model = architecture.definition();
  }

  /**
   * Trains on {@code data} and returns the trained parameters, followed by the batch norms'
   * statistics where the model has any.
   */
  public ModelParameters train(LabeledImages data) {
    ModelParameters initial = ModelParameters.glorotUniform(model.parameters(), config.seed());
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      TrainingGraph training = TrainingGraph.build(Ops.create(graph), model);
      training.parameters.load(session, initial);
      Session.Runner init = session.runner();
      training.slotInitializers.forEach(init::addTarget);
      init.run().close();

      int[] order = new int[data.count()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Random shuffle = new Random(config.seed() ^ SHUFFLE_SALT);
      int stepsPerEpoch = (data.count() + config.batchSize() - 1) / config.batchSize();
      long step = 0;
      for (int epoch = 0; epoch < config.epochs(); epoch++) {
        shuffle(order, shuffle);
        progress.start("epoch " + (epoch + 1) + "/" + config.epochs(), stepsPerEpoch);
        double lossSum = 0;
        for (int b = 0; b < stepsPerEpoch; b++) {
          int from = b * config.batchSize();
          int n = Math.min(config.batchSize(), data.count() - from);
          step++;
          float loss = runStep(session, training, data, order, from, n, epoch, step);
          lossSum += loss;
          progress.advance(1, String.format("loss %.4f", lossSum / (b + 1)));
        }
        progress.finish(String.format("loss %.4f", lossSum / stepsPerEpoch));
      }
      ModelParameters trained = training.parameters.read(session);
      if (model.statistics().isEmpty()) {
        return trained;
      }
      return withStatistics(trained, statistics(session, training, data, order));
    }
  }

  /** The moving statistics: batch moments of the trained model, averaged over batches. */
  private Map<String, float[]> statistics(
      Session session, TrainingGraph training, LabeledImages data, int[] order) {
    List<Operand<TFloat32>> fetches = new ArrayList<>();
    List<String> names = new ArrayList<>();
    training
        .norms
        .batchMeans()
        .forEach(
            (name, mean) -> {
              fetches.add(mean);
              names.add(name + "/moving_mean");
            });
    training
        .norms
        .batchVariances()
        .forEach(
            (name, variance) -> {
              fetches.add(variance);
              names.add(name + "/moving_variance");
            });
    int images = Math.min(STATISTICS_IMAGES, data.count());
    int batches = (images + STATISTICS_BATCH - 1) / STATISTICS_BATCH;
    Map<String, double[]> sums = new LinkedHashMap<>();
    progress.start("batch-norm statistics", batches);
    for (int b = 0; b < batches; b++) {
      int from = b * STATISTICS_BATCH;
      int n = Math.min(STATISTICS_BATCH, images - from);
      float[] pixels = new float[n * data.imageSize()];
      data.copyPixels(order, from, n, pixels);
      try (TFloat32 batch =
          TFloat32.tensorOf(
              Shape.of(n, data.height(), data.width(), data.channels()),
              DataBuffers.of(pixels, true, false))) {
        Session.Runner runner = session.runner().feed(training.images, batch);
        fetches.forEach(runner::fetch);
        try (var result = runner.run()) {
          for (int i = 0; i < names.size(); i++) {
            TFloat32 t = (TFloat32) result.get(i);
            float[] v = new float[Math.toIntExact(t.shape().size())];
            t.copyTo(DataBuffers.of(v, false, false));
            double[] sum = sums.computeIfAbsent(names.get(i), k -> new double[v.length]);
            for (int c = 0; c < v.length; c++) {
              sum[c] += v[c];
            }
          }
        }
      }
      progress.advance(1, "");
    }
    progress.finish("");
    Map<String, float[]> means = new LinkedHashMap<>();
    sums.forEach(
        (name, sum) -> {
          float[] v = new float[sum.length];
          for (int c = 0; c < v.length; c++) {
            v[c] = (float) (sum[c] / batches);
          }
          means.put(name, v);
        });
    return means;
  }

  private ModelParameters withStatistics(ModelParameters trained, Map<String, float[]> stats) {
    List<Parameter> all = new ArrayList<>(model.parameters());
    all.addAll(model.statistics());
    Map<String, float[]> values = new LinkedHashMap<>(stats);
    model.parameters().forEach(p -> values.put(p.name(), trained.values(p.name())));
    return new ModelParameters(all, values);
  }

  private float runStep(
      Session session,
      TrainingGraph training,
      LabeledImages data,
      int[] order,
      int from,
      int n,
      int epoch,
      long step) {
    float[] pixels = new float[n * data.imageSize()];
    data.copyPixels(order, from, n, pixels);
    float[] oneHot = new float[n * FashionCnn.CLASSES];
    for (int i = 0; i < n; i++) {
      oneHot[i * FashionCnn.CLASSES + data.label(order[from + i])] = 1f;
    }
    try (TFloat32 images =
            TFloat32.tensorOf(
                Shape.of(n, data.height(), data.width(), data.channels()),
                DataBuffers.of(pixels, true, false));
        TFloat32 labels =
            TFloat32.tensorOf(
                Shape.of(n, FashionCnn.CLASSES), DataBuffers.of(oneHot, true, false));
        TFloat32 lr = TFloat32.scalarOf(config.learningRate(epoch));
        TFloat32 b1 = TFloat32.scalarOf((float) Math.pow(TrainingGraph.BETA1, step));
        TFloat32 b2 = TFloat32.scalarOf((float) Math.pow(TrainingGraph.BETA2, step));
        var result =
            session
                .runner()
                .feed(training.images, images)
                .feed(training.oneHotLabels, labels)
                .feed(training.learningRate, lr)
                .feed(training.beta1Power, b1)
                .feed(training.beta2Power, b2)
                .fetch(training.loss)
                .addTarget(training.step)
                .run()) {
      return ((TFloat32) result.get(0)).getFloat();
    }
  }

  /** Fisher-Yates shuffle driven by {@code random}. */
  private static void shuffle(int[] a, Random random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
