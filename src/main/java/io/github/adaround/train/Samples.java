package io.github.adaround.train;

import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Samples of one shape that a layer is trained on, read by index. */
public interface Samples {

  /** How many samples there are. */
  int count();

  /** The shape of one sample (no batch axis). */
  Shape sampleShape();

  /** How many samples are held in memory (the rest are read from disk); all by default. */
  default int rowsInMemory() {
    return count();
  }

  /** A new tensor {@code [indices.length, ...sampleShape]} of the chosen samples, in that order. */
  TFloat32 batch(int[] indices);
}
