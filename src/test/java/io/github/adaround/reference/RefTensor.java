package io.github.adaround.reference;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.adaround.tf.TensorData;
import java.util.Arrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * A tensor of the reference vectors: {@code {"shape": [...], "dtype": ..., "data": [...]}}, floats
 * parsed from their shortest round-trip decimal so that the float32 bits are exact.
 */
public record RefTensor(long[] shape, String dtype, float[] floats, long[] longs) {

  public static RefTensor parse(JsonElement element) {
    JsonObject o = element.getAsJsonObject();
    JsonArray shapeJson = o.getAsJsonArray("shape");
    long[] shape = new long[shapeJson.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = shapeJson.get(i).getAsLong();
    }
    String dtype = o.get("dtype").getAsString();
    JsonArray data = o.getAsJsonArray("data");
    float[] floats = new float[data.size()];
    long[] longs = new long[data.size()];
    for (int i = 0; i < data.size(); i++) {
      String text = data.get(i).getAsString();
      if (dtype.equals("float32")) {
        floats[i] = Float.parseFloat(text);
      } else {
        longs[i] = Long.parseLong(text);
        floats[i] = longs[i];
      }
    }
    long expected = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    if (expected != data.size()) {
      throw new IllegalArgumentException(
          "tensor of shape " + Arrays.toString(shape) + " has " + data.size() + " values");
    }
    return new RefTensor(shape, dtype, floats, longs);
  }

  public Shape tfShape() {
    return Shape.of(shape);
  }

  public int size() {
    return floats.length;
  }

  public TFloat32 toTensor() {
    return TensorData.floats(tfShape(), floats);
  }
}
