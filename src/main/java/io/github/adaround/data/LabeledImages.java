package io.github.adaround.data;

/**
 * Images with their class labels, held as float32 pixels in [0, 1], NHWC, row-major.
 *
 * @param height image height
 * @param width image width
 * @param channels channels per pixel
 * @param pixels {@code count * height * width * channels} values
 * @param labels one class index per image
 */
public record LabeledImages(int height, int width, int channels, float[] pixels, int[] labels) {

  /** Checks that pixels and labels describe the same number of images. */
  public LabeledImages {
    if ((long) labels.length * height * width * channels != pixels.length) {
      throw new IllegalArgumentException(
          "pixels for "
              + pixels.length / ((long) height * width * channels)
              + " images but "
              + labels.length
              + " labels");
    }
  }

  /** The number of images. */
  public int count() {
    return labels.length;
  }

  /** Values per image. */
  public int imageSize() {
    return height * width * channels;
  }

  /** The label of one image. */
  public int label(int index) {
    return labels[index];
  }

  /** The first {@code limit} images (all of them when there are fewer). */
  public LabeledImages first(int limit) {
    int n = Math.min(limit, count());
    float[] p = new float[n * imageSize()];
    System.arraycopy(pixels, 0, p, 0, p.length);
    int[] l = new int[n];
    System.arraycopy(labels, 0, l, 0, n);
    return new LabeledImages(height, width, channels, p, l);
  }

  /**
   * Copies the pixels of the images at {@code indices[from..from+n)} into {@code target}, one image
   * after the other.
   */
  public void copyPixels(int[] indices, int from, int n, float[] target) {
    int size = imageSize();
    for (int i = 0; i < n; i++) {
      System.arraycopy(pixels, indices[from + i] * size, target, i * size, size);
    }
  }
}
