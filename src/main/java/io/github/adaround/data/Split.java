package io.github.adaround.data;

/** The two parts of Fashion-MNIST, with the names of their files. */
public enum Split {
  /** The 60 000 training images. */
  TRAIN("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
  /** The 10 000 test images. */
  TEST("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

  private final String imagesFile;
  private final String labelsFile;

  Split(String imagesFile, String labelsFile) {
    this.imagesFile = imagesFile;
    this.labelsFile = labelsFile;
  }

  /** The images file's name. */
  String imagesFile() {
    return imagesFile;
  }

  /** The labels file's name. */
  String labelsFile() {
    return labelsFile;
  }
}
