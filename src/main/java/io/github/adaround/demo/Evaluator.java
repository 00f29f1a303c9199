package io.github.adaround.demo;

import io.github.adaround.data.LabeledImages;
import java.util.Arrays;

/** Top-1 accuracy of a classifier on labelled images. */
public final class Evaluator {
  /** Images per inference call when the model accepts any batch size. */
  static final int BATCH_SIZE = 250;

  private Evaluator() {}

  /**
   * The figures of one evaluation.
   *
   * @param correct images whose top-1 prediction is their label
   * @param samples images evaluated
   */
  public record Accuracy(int correct, int samples) {
    /** {@code correct / samples}. */
    public double value() {
      return samples == 0 ? 0 : (double) correct / samples;
    }
  }

  /** Runs the classifier over all images, reporting one progress step per image. */
  public static Accuracy evaluate(
      SavedModelClassifier classifier, LabeledImages data, ProgressListener progress) {
    int batch = classifier.fixedBatchSize() > 0 ? classifier.fixedBatchSize() : BATCH_SIZE;
    int[] indices = new int[data.count()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = i;
    }
    float[] pixels = new float[batch * data.imageSize()];
    int correct = 0;
    progress.start("eval", data.count());
    for (int from = 0; from < data.count(); from += batch) {
      int n = Math.min(batch, data.count() - from);
      data.copyPixels(indices, from, n, pixels);
      int[] predicted =
          classifier.predict(n == batch ? pixels : Arrays.copyOf(pixels, n * data.imageSize()), n);
      for (int i = 0; i < n; i++) {
        if (predicted[i] == data.label(from + i)) {
          correct++;
        }
      }
      progress.advance(n, String.format("acc %.4f", (double) correct / (from + n)));
    }
    Accuracy accuracy = new Accuracy(correct, data.count());
    progress.finish(String.format("top-1 %.4f on %d images", accuracy.value(), data.count()));
    return accuracy;
  }
}
