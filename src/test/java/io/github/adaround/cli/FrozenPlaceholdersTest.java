package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.data.NpyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Frozen graphs as TF1 exports leave their placeholders: an input of unknown rank takes the shape
 * of its calibration samples, and a second placeholder the outputs need (a dropout's {@code
 * keep_prob}) is refused in one sentence before anything is trained.
 */
class FrozenPlaceholdersTest {
  @TempDir Path dir;

  /** {@code y = dropout(reshape(x, [-1, 12]) W1, keep_prob) W2}, {@code x} of unknown shape. */
  private Path graph(boolean dropout) throws Exception {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Random random = new Random(8);
      Operand<TFloat32> x = tf.withName("x").placeholder(TFloat32.class);
      Operand<TFloat32> h =
          tf.nn.relu(
              tf.linalg.matMul(
                  tf.reshape(x, tf.constant(new int[] {-1, 12})),
                  constant(tf, "w1", random, 12, 6)));
      if (dropout) {
        Operand<TFloat32> keep = tf.withName("keep_prob").placeholder(TFloat32.class);
        h = tf.math.div(tf.math.mul(h, keep), keep);
      }
      tf.withName("y").linalg.matMul(h, constant(tf, "w2", random, 6, 3));
      Path file = dir.resolve(dropout ? "dropout.pb" : "unranked.pb");
      Files.write(file, g.toGraphDef().toByteArray());
      return file;
    }
  }

  private Run quantize(Path graph) throws Exception {
    Random random = new Random(9);
    float[] samples = new float[40 * 3 * 4];
    for (int i = 0; i < samples.length; i++) {
      samples[i] = random.nextFloat();
    }
    Path npy = dir.resolve("x.npy");
    NpyFiles.writeFloats(npy, new long[] {40, 3, 4}, samples);
    return run(
        "quantize",
        "--model",
        graph.toString(),
        "--input",
        "x",
        "--output",
        "y",
        "--calibration-npy",
        npy.toString(),
        "--out",
        dir.resolve("q").toString(),
        "--iterations",
        "20");
  }

  @Test
  void anInputOfUnknownRankTakesTheShapeOfItsSamples() throws Exception {
    Run r = quantize(graph(false));
    assertEquals(0, r.status(), r.err());
  }

  @Test
  void aPlaceholderTheOutputsNeedBesidesTheInputsIsRefusedBeforeTraining() throws Exception {
    Run r = quantize(graph(true));
    assertEquals(1, r.status());
    assertEquals(
        "adaround quantize: the outputs need placeholder 'keep_prob', which is not among the inputs"
            + " (x); a graph that needs a value fed besides its samples (a dropout's keep_prob) is"
            + " not supported",
        r.err().strip());
    assertFalse(Files.exists(dir.resolve("q")));
  }

  private static Operand<TFloat32> constant(Ops tf, String name, Random random, long... shape) {
    float[] v = new float[Math.toIntExact(Shape.of(shape).size())];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return tf.withName(name).constant(Shape.of(shape), DataBuffers.of(v, true, false));
  }
}
