package io.github.adaround.sensitivity;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.data.InputSamples;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.rebuild.WeightChannels;
import io.github.adaround.remote.JobPool;
import io.github.adaround.source.Batches;
import io.github.adaround.source.ModelInput;
import io.github.adaround.tf.TensorData;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Measures each layer's sensitivity to its bit width (the per-layer analysis of HAWQ-V3 and AIMET's
 * AMP): for each layer and each candidate width, that layer's weight alone is rounded to nearest
 * ({@link NearestWeight}), the model is run on the samples with it, and its first output is
 * compared with the FP model's ({@link OutputDistance}).
 *
 * <p>Every run is a job on the {@link MeasurementGraph} (the model's own ops, copied), in a session
 * of its own: locally, or spread over workers by a {@link JobPool}; the model's session is only
 * read.
 */
public final class SensitivityAnalysis {

  private final ModelSession model;
  private final InputSamples samples;
  private final boolean perChannel;
  private final List<String> workers;
  private final ConfigProto config;
  private final PrintStream notes;

  /**
   * @param model the FP model (read only)
   * @param samples the samples the outputs are compared on
   * @param perChannel one scale per output channel (else per tensor)
   */
  public SensitivityAnalysis(ModelSession model, InputSamples samples, boolean perChannel) {
    this(model, samples, perChannel, List.of(), ConfigProto.getDefaultInstance(), System.err);
  }

  /**
   * As {@link #SensitivityAnalysis(ModelSession, InputSamples, boolean)}, the jobs run on {@code
   * workers} ({@code host:port}; none: locally) in sessions of {@code config}.
   */
  public SensitivityAnalysis(
      ModelSession model,
      InputSamples samples,
      boolean perChannel,
      List<String> workers,
      ConfigProto config,
      PrintStream notes) {
    this.model = model;
    this.samples = samples;
    this.perChannel = perChannel;
    this.workers = List.copyOf(workers);
    this.config = config;
    this.notes = notes;
  }

  /**
   * The sensitivity of each of {@code layers} at each of {@code bits}, in layer order.
   *
   * @param progress told each layer's result once all its widths are measured, in layer order
   */
  public List<LayerSensitivity> measure(
      List<QuantizableLayer> layers, int[] bits, Consumer<LayerSensitivity> progress)
      throws InterruptedException {
    Map<String, float[]> fp = new HashMap<>();
    layers.forEach(l -> fp.put(l.weight(), model.read(l.weight())));
    MeasurementGraph graph = MeasurementGraph.of(model, layers, fp);
    List<ModelInput> inputs = model.source().inputs();
    int rows = Batches.rowsFor(model.graph(), inputs, samples, List.of(model.outputNames().get(0)));
    List<JobPool.Job<float[]>> jobs = new ArrayList<>();
    jobs.add(session -> outputs(session, graph, inputs, rows, null, null, null));
    for (QuantizableLayer layer : layers) {
      float[] weight = fp.get(layer.weight());
      for (int b : bits) {
        QuantSpec spec = spec(layer, b);
        jobs.add(
            session ->
                outputs(
                    session,
                    graph,
                    inputs,
                    rows,
                    graph.weights().get(layer.weight()),
                    layer.shape(),
                    NearestWeight.of(weight, layer.shape(), spec)));
      }
    }
    List<float[]> outputs =
        new JobPool(graph.graphDef(), workers, config, notes).run(jobs, i -> {});
    float[] fpOutput = outputs.get(0);
    Shape sample = model.sampleShapeOf(model.outputNames().get(0), samples);
    int classes =
        Math.toIntExact(sample.numDimensions() == 0 ? 1 : sample.get(sample.numDimensions() - 1));
    List<LayerSensitivity> result = new ArrayList<>();
    int next = 1;
    for (QuantizableLayer layer : layers) {
      SortedMap<Integer, OutputDistance> byBits = new TreeMap<>();
      for (int b : bits) {
        byBits.put(b, OutputDistance.of(fpOutput, outputs.get(next++), classes));
      }
      LayerSensitivity s =
          new LayerSensitivity(
              layer.name(), layer.op(), layer.weight(), Shape.of(layer.shape()).size(), byBits);
      result.add(s);
      progress.accept(s);
    }
    return result;
  }

  private QuantSpec spec(QuantizableLayer layer, int bits) {
    QuantSpec spec = QuantSpec.signed(bits);
    if (!perChannel) {
      return spec;
    }
    GraphOperation op = model.graph().operationOrThrow(layer.name());
    int[] axes = WeightChannels.axes(op, layer);
    return axes == null ? spec : spec.perChannel(axes);
  }

  /** The first output on every sample, with {@code weight} (if any) fed at {@code placeholder}. */
  private float[] outputs(
      Session session,
      MeasurementGraph graph,
      List<ModelInput> inputs,
      int rows,
      String placeholder,
      long[] shape,
      float[] weight) {
    List<float[]> chunks = new ArrayList<>();
    Batches.forEach(
        inputs,
        samples,
        rows,
        (x, n) -> {
          Session.Runner runner = session.runner();
          for (int i = 0; i < x.size(); i++) {
            runner.feed(graph.inputs().get(i), x.get(i));
          }
          TFloat32 w = null;
          if (placeholder != null) {
            w = TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(weight, true, false));
            runner.feed(placeholder, w);
          }
          try (Result r = runner.fetch(graph.output()).run()) {
            float[] all = TensorData.floats(r.get(0));
            long fed = x.get(0).shape().get(0);
            chunks.add(Arrays.copyOf(all, Math.toIntExact(all.length / fed * n)));
          } finally {
            if (w != null) {
              w.close();
            }
          }
        });
    int total = chunks.stream().mapToInt(c -> c.length).sum();
    float[] all = new float[total];
    int at = 0;
    for (float[] c : chunks) {
      System.arraycopy(c, 0, all, at, c.length);
      at += c.length;
    }
    return all;
  }
}
