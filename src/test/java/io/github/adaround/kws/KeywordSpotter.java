package io.github.adaround.kws;

import io.github.adaround.data.NpyFiles;
import io.github.adaround.tf.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * The DS-CNN keyword spotter of ARM's ML-KWS-for-MCU as a frozen graph: its own front end ({@code
 * wav_data} -> DecodeWav -> AudioSpectrogram -> Mfcc -> {@code Reshape_1}) makes the features the
 * network reads, and the network ({@code Reshape_1} -> {@code labels_softmax}) classifies them.
 *
 * <p>{@code main(graph.pb, wavDir, out.npy)} writes the features of every WAV of a folder (sorted
 * by name) as {@code [N, 49, 10, 1]}: how the committed feature files were made.
 */
public final class KeywordSpotter implements AutoCloseable {

  /** The committed graph, its labels and features (see the README next to them). */
  public static final Path DIR = Path.of("src", "test", "resources", "models", "ds-cnn-s");

  public static final Path GRAPH = DIR.resolve("ds-cnn-s-frozen.pb");
  public static final String FEATURES = "Reshape_1";
  public static final String SCORES = "labels_softmax";

  private final Graph graph = new Graph();
  private final Session session;

  /** Loads the frozen graph in {@code file}. */
  public KeywordSpotter(Path file) throws IOException {
    graph.importGraphDef(GraphDef.parseFrom(Files.readAllBytes(file)));
    session = new Session(graph);
  }

  /** The features at {@code Reshape_1} of one WAV file's bytes: 49 frames of 10 MFCCs. */
  public float[] features(byte[] wav) {
    try (TString in = TString.tensorOfBytes(NdArrays.scalarOfObject(wav));
        Result r = session.runner().feed("wav_data", in).fetch(FEATURES).run()) {
      return TensorData.floats(r.get(0));
    }
  }

  /** The index of the highest score for each of {@code n} feature samples. */
  public int[] top1(float[] features, int n) {
    try (TFloat32 x = TensorData.floats(Shape.of(n, 49, 10, 1), features);
        Result r = session.runner().feed(FEATURES, x).fetch(SCORES).run()) {
      float[] scores = TensorData.floats(r.get(0));
      int classes = scores.length / n;
      int[] best = new int[n];
      for (int i = 0; i < n; i++) {
        for (int c = 1; c < classes; c++) {
          if (scores[i * classes + c] > scores[i * classes + best[i]]) {
            best[i] = c;
          }
        }
      }
      return best;
    }
  }

  /** The WAV files of a folder, sorted by name. */
  public static List<Path> wavs(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".wav")).sorted().toList();
    }
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }

  public static void main(String[] args) throws IOException {
    List<Path> wavs = wavs(Path.of(args[1]));
    List<float[]> rows = new ArrayList<>();
    try (KeywordSpotter kws = new KeywordSpotter(Path.of(args[0]))) {
      for (Path wav : wavs) {
        rows.add(kws.features(Files.readAllBytes(wav)));
      }
    }
    float[] all = new float[rows.size() * 490];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, all, i * 490, 490);
    }
    NpyFiles.writeFloats(Path.of(args[2]), new long[] {rows.size(), 49, 10, 1}, all);
  }
}
