package io.github.adaround.tf;

import java.util.function.Consumer;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/** Copies between Java arrays (row-major) and TF tensors. */
public final class TensorData {

  private TensorData() {}

  /** A new float32 tensor of {@code shape} holding a copy of {@code values}. */
  public static TFloat32 floats(Shape shape, float[] values) {
    if (shape.size() != values.length) {
      throw new IllegalArgumentException(
          "shape " + shape + " holds " + shape.size() + " values, got " + values.length);
    }
    return TFloat32.tensorOf(shape, DataBuffers.of(values, true, false));
  }

  /**
   * A new float32 tensor of {@code shape} whose values {@code writer} puts straight into the
   * tensor's memory (one copy, no intermediate array).
   */
  public static TFloat32 filled(Shape shape, Consumer<FloatDataBuffer> writer) {
    return TFloat32.tensorOf(shape, t -> writer.accept(t.asRawTensor().data().asFloats()));
  }

  /** A copy of a float32 tensor's values, row-major. */
  public static float[] floats(Tensor tensor) {
    TFloat32 t = (TFloat32) tensor;
    float[] out = new float[Math.toIntExact(t.size())];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** A copy of an int32 tensor's values, row-major. */
  public static int[] ints(Tensor tensor) {
    TInt32 t = (TInt32) tensor;
    int[] out = new int[Math.toIntExact(t.size())];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** The single value of a float32 scalar tensor. */
  public static float scalar(Tensor tensor) {
    return ((TFloat32) tensor).getFloat();
  }
}
