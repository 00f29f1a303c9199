package io.github.adaround.demo;

import io.github.adaround.error.ModelException;
import io.github.adaround.source.SavedModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * Any SavedModel whose {@code serving_default} signature maps one float32 image batch {@code [N, H,
 * W, C]} to one float32 score matrix {@code [N, classes]}; predicts the top-1 class. A model
 * exported with a fixed batch size gets its last batch padded with zeros.
 */
public final class SavedModelClassifier implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final SessionFunction function;
  private final String inputName;
  private final long[] inputShape;

  private SavedModelClassifier(
      SavedModelBundle bundle, SessionFunction function, String inputName, long[] inputShape) {
    this.bundle = bundle;
    this.function = function;
    this.inputName = inputName;
    this.inputShape = inputShape;
  }

  /**
   * Loads a SavedModel with tag {@code serve} and checks its signature.
   *
   * @throws ModelException when the folder is not a SavedModel or its signature does not fit
   */
  public static SavedModelClassifier load(Path dir) throws ModelException {
    SavedModelBundle bundle = SavedModels.load(dir);
    try {
      Signature signature =
          bundle.signatures().stream()
              .filter(s -> s.key().equals(FashionCnn.SIGNATURE))
              .findFirst()
              .orElseThrow(
                  () -> new ModelException(dir, "no signature '" + FashionCnn.SIGNATURE + "'"));
      if (signature.getInputs().size() != 1 || signature.getOutputs().size() != 1) {
        throw new ModelException(
            dir, "signature '" + FashionCnn.SIGNATURE + "' must have one input and one output");
      }
      var input = signature.getInputs().entrySet().iterator().next();
      var output = signature.getOutputs().values().iterator().next();
      long[] shape = input.getValue().shape.asArray();
      if (input.getValue().dataType != DataType.DT_FLOAT
          || output.dataType != DataType.DT_FLOAT
          || shape == null
          || shape.length != 4) {
        throw new ModelException(
            dir,
            "signature '"
                + FashionCnn.SIGNATURE
                + "' must take float32 images [N, H, W, C] and return float32 scores");
      }
      return new SavedModelClassifier(
          bundle, bundle.function(FashionCnn.SIGNATURE), input.getKey(), shape);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  /** The input shape declared by the signature; -1 where any size goes. */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /** The batch size the model requires, or -1 when any size goes. */
  int fixedBatchSize() {
    return (int) inputShape[0];
  }

  /**
   * Predicts the class of {@code n} images.
   *
   * @param pixels the images, NHWC, row-major; {@code n} images of the signature's size
   * @param n how many images
   */
  int[] predict(float[] pixels, int n) {
    int batch = fixedBatchSize() > 0 ? fixedBatchSize() : n;
    if (n > batch) {
      throw new IllegalArgumentException("the model takes batches of " + batch + " images");
    }
    long[] shape = inputShape.clone();
    shape[0] = batch;
    float[] fed =
        batch == n ? pixels : Arrays.copyOf(pixels, Math.toIntExact(Shape.of(shape).size()));
    try (TFloat32 images = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(fed, true, false));
        var result = function.call(Map.of(inputName, images))) {
      TFloat32 scores = (TFloat32) result.get(0);
      int classes = (int) scores.shape().get(1);
      int[] predictions = new int[n];
      for (int i = 0; i < n; i++) {
        int best = 0;
        for (int k = 1; k < classes; k++) {
          if (scores.getFloat(i, k) > scores.getFloat(i, best)) {
            best = k;
          }
        }
        predictions[i] = best;
      }
      return predictions;
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
