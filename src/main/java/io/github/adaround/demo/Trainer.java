package io.github.adaround.demo;

import io.github.adaround.data.LabeledImages;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Trains {@link FashionCnn} with Adam from Glorot-uniform weights. The initial weights and the
 * order of the images come from the seed, and every step is deterministic, so the same seed on the
 * same machine gives the same weights.
 */
public final class Trainer {
  private static final long SHUFFLE_SALT = 0x5DEECE66DL;

  private final TrainingConfig config;
  private final ProgressListener progress;

  /**
   * @param config epochs, batch size, learning rate, seed
   * @param progress hears about each epoch
   */
  public Trainer(TrainingConfig config, ProgressListener progress) {
    this.config = config;
    this.progress = progress;
  }

  /** Trains on {@code data} and returns the trained parameters. */
  public ModelParameters train(LabeledImages data) {
    ModelParameters initial = ModelParameters.glorotUniform(FashionCnn.PARAMETERS, config.seed());
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      TrainingGraph training = TrainingGraph.build(Ops.create(graph));
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
      return training.parameters.read(session);
    }
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
