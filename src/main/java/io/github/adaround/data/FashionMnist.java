package io.github.adaround.data;

import java.io.IOException;
import java.io.InputStream;

/** Loads a split of Fashion-MNIST: 28x28 grey images in [0, 1] with labels 0-9. */
public final class FashionMnist {
  /** Image side in pixels. */
  static final int SIDE = 28;

  /** Number of classes. */
  public static final int CLASSES = 10;

  private FashionMnist() {}

  /** Reads and checks the images and labels of one split. */
  public static LabeledImages load(DatasetLocation location, Split split) throws IOException {
    IdxArray images = read(location, split.imagesFile());
    IdxArray labels = read(location, split.labelsFile());
    int[] imageDims = images.dims();
    if (imageDims.length != 3 || imageDims[1] != SIDE || imageDims[2] != SIDE) {
      throw new DataFileException(
          location.describe(split.imagesFile()), "expected images of 28x28 pixels");
    }
    int[] labelDims = labels.dims();
    if (labelDims.length != 1 || labelDims[0] != imageDims[0]) {
      throw new DataFileException(
          location.describe(split.labelsFile()),
          "expected " + imageDims[0] + " labels to match the images");
    }
    float[] pixels = new float[images.size()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = images.valueAt(i) / 255f;
    }
    int[] classes = new int[labels.size()];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = labels.valueAt(i);
      if (classes[i] >= CLASSES) {
        throw new DataFileException(
            location.describe(split.labelsFile()), "label " + classes[i] + " out of range 0-9");
      }
    }
    return new LabeledImages(SIDE, SIDE, 1, pixels, classes);
  }

  private static IdxArray read(DatasetLocation location, String fileName) throws IOException {
    try (InputStream in = location.open(fileName)) {
      return IdxReader.read(in, location.describe(fileName));
    }
  }
}
