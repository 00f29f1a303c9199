package io.github.adaround.cli;

import io.github.adaround.cache.ModelSession;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.data.Calibration;
import io.github.adaround.data.InputSamples;
import io.github.adaround.error.UserError;
import io.github.adaround.graph.LayerInspector;
import io.github.adaround.graph.QuantizableLayer;
import io.github.adaround.remote.WorkerCheck;
import io.github.adaround.sensitivity.BitAllocation;
import io.github.adaround.sensitivity.LayerSensitivity;
import io.github.adaround.sensitivity.SensitivityAnalysis;
import io.github.adaround.sensitivity.SensitivityChart;
import io.github.adaround.sensitivity.SensitivityFile;
import io.github.adaround.source.Folders;
import io.github.adaround.source.ModelInput;
import io.github.adaround.source.ModelSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.tensorflow.proto.ConfigProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adaround sensitivity}: each layer's output error at each candidate bit width. */
@Command(
    name = "sensitivity",
    mixinStandardHelpOptions = true,
    description = {
      "Measures how sensitive each layer is to its weights' bit width: for each layer and each"
          + " width of --bits, that layer alone is rounded to nearest (the others stay FP32) and"
          + " the model's first output is compared with the FP model's on the held-back"
          + " calibration samples (output SQNR in dB, and KL divergence of its softmax).",
      "Writes DIR/sensitivity.json (the measurements and the size-accuracy front: for each"
          + " total size the per-layer widths that minimise the summed output noise) and"
          + " DIR/sensitivity.png (each layer's SQNR against bits; the front)."
    })
final class SensitivityCommand implements Callable<Integer> {
  /** How long a worker may take to answer the check before any work. */
  private static final long WORKER_TIMEOUT_MS = 10_000;

  /**
   * How long one run of a measurement (at most 64 MiB of samples and outputs) may take before its
   * worker counts as failed: TF's gRPC runtime retries a worker that is gone rather than failing.
   */
  private static final long RUN_TIMEOUT_MS = 300_000;

  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "SavedModel folder, or frozen GraphDef file (.pb) (read only).")
  private Path model;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Folder for sensitivity.json and sensitivity.png (written atomically).")
  private Path out;

  @Option(names = "--force", description = "Replace an existing non-empty --out.")
  private boolean force;

  @Option(
      names = "--bits",
      paramLabel = "B,B,...",
      split = ",",
      defaultValue = "2,3,4,8",
      description = "Candidate bit widths, each 2..8 (default: ${DEFAULT-VALUE}).")
  private int[] bits;

  @Option(
      names = "--per-channel",
      description = "One scale per output channel (default: one per tensor).")
  private boolean perChannel;

  @Option(
      names = "--signature",
      paramLabel = "NAME",
      defaultValue = "serving_default",
      description = "Signature whose layers are measured (default: ${DEFAULT-VALUE}).")
  private String signature;

  @Option(
      names = "--workers",
      paramLabel = "HOST:PORT",
      split = ",",
      description =
          "Workers (adaround worker --port P) to run the measurements on, one at a time each;"
              + " a worker that fails has its job rerun on another, or here.")
  private List<String> workers = List.of();

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Kernel threads of each measurement, here and on the workers alike (default: TF's"
              + " choice).")
  private int threads;

  @Mixin private FrozenGraphOptions frozenGraph;

  @Mixin private CalibrationOptions calibration;

  @Override
  public Integer call() throws Exception {
    int[] widths = Arrays.stream(bits).distinct().sorted().toArray();
    for (int b : widths) {
      if (b < QuantizeConfig.MIN_BITS || b > QuantizeConfig.MAX_BITS) {
        throw new UserError(
            "--bits must each be in "
                + QuantizeConfig.MIN_BITS
                + ".."
                + QuantizeConfig.MAX_BITS
                + ", got "
                + b);
      }
    }
    if (threads < 0) {
      throw new UserError("--threads must not be negative");
    }
    frozenGraph.frozen(model);
    calibration.check();
    OutputFolder output = OutputFolder.check(out, force);
    WorkerCheck.check(workers, WORKER_TIMEOUT_MS);
    List<ModelInput> inputs;
    try (ModelSource source = frozenGraph.open(model, signature, null, Set.of())) {
      inputs = source.inputs();
    }
    Calibration samples = calibration.load(inputs);
    InputSamples measured = samples.heldBackCount() > 0 ? samples.heldBack() : samples.samples();
    PrintWriter err = spec.commandLine().getErr();
    Path staging = output.temporary();
    Files.createDirectories(staging);
    try (ModelSession fp =
        new ModelSession(
            frozenGraph.open(model, signature, calibration.npySampleShape(), Set.of()))) {
      List<QuantizableLayer> layers =
          LayerInspector.inspect(fp.graph(), fp.source().outputTensors());
      if (layers.isEmpty()) {
        throw new UserError(model + ": no quantizable layers on the path of the model's outputs");
      }
      long start = System.nanoTime();
      int[] done = {0};
      List<LayerSensitivity> result =
          new SensitivityAnalysis(
                  fp,
                  measured,
                  perChannel,
                  workers,
                  ConfigProto.newBuilder()
                      .setIntraOpParallelismThreads(threads)
                      .setInterOpParallelismThreads(threads)
                      .setOperationTimeoutInMs(RUN_TIMEOUT_MS)
                      .build(),
                  System.err)
              .measure(
                  layers,
                  widths,
                  s -> {
                    err.printf("[%d/%d] %s%s%n", ++done[0], layers.size(), s.weight(), dbs(s));
                    err.flush();
                  });
      err.printf(
          "measured %d layers at %d widths in %.1f s %s%n",
          layers.size(),
          widths.length,
          (System.nanoTime() - start) / 1e9,
          workers.isEmpty() ? "here" : "on " + workers.size() + " workers");
      List<BitAllocation.Choice> front = BitAllocation.front(result);
      SensitivityFile.write(
          staging.resolve("sensitivity.json"),
          model.toString(),
          perChannel,
          measured.count(),
          result,
          front);
      SensitivityChart.write(staging.resolve("sensitivity.png"), result, front);
    } catch (Exception | Error e) {
      Folders.deleteRecursively(staging);
      throw e;
    }
    output.commit(staging);
    spec.commandLine().getOut().println("wrote " + out);
    return 0;
  }

  private static String dbs(LayerSensitivity s) {
    StringBuilder b = new StringBuilder();
    s.byBits()
        .forEach((bits, d) -> b.append(String.format("  %d bits: %.1f dB", bits, d.sqnrDb())));
    return b.toString();
  }
}
