package io.github.adaround.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.adaround.bench.BenchCase;
import io.github.adaround.bench.CallOverhead;
import io.github.adaround.bench.CaseResult;
import io.github.adaround.bench.MatMulPeak;
import io.github.adaround.bench.ProductKernels;
import io.github.adaround.bench.ProductKernels.KernelTimes;
import io.github.adaround.bench.StepBenchmark;
import io.github.adaround.tf.OneDnn;
import io.github.adaround.tf.SessionThreads;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adaround bench}: the speed of the AdaRound training step on fixed layers. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Times the engine's per-layer AdaRound step (minibatch, quantizer, layer, ReLU, loss,"
          + " gradient, Adam) on five fixed layers, after a warm-up, as the median of several"
          + " repeats, and the machine's peak as one large MatMul in TF.",
      "GFLOP/s count the forward product and the weight gradient (2x the forward FLOPs);"
          + " elementwise work is not counted."
    })
final class BenchCommand implements Callable<Integer> {
  private static final int PEAK_SIZE = 2048;
  private static final int PEAK_REPEATS = 7;
  private static final int WARM_UP = 20;
  private static final int REPEATS = 5;
  private static final int KERNEL_RUNS = 20;
  private static final int CALLS = 2000;

  @Spec private CommandSpec spec;

  @Option(
      names = "--steps",
      paramLabel = "N",
      description = "Steps per timed repeat (default: about 2 GFLOP per repeat, 30..400 steps).")
  private Integer steps;

  @Option(names = "--json", description = "Print {\"cases\": [...], ...} on stdout.")
  private boolean json;

  @Option(
      names = "--kernels",
      description =
          "Also time each case's two products alone (forward MatMul or Conv2D, and the weight"
              + " gradient TF builds for it): the least a step can take with TF's kernels; and"
              + " the fixed cost of one session.run.")
  private boolean kernels;

  @Option(
      names = "--intra-op-threads",
      paramLabel = "N",
      description = "TF threads within one kernel (default: 0, TF's choice).")
  private int intraOp;

  @Option(
      names = "--inter-op-threads",
      paramLabel = "N",
      description = "TF kernels run at once (default: 0, TF's choice).")
  private int interOp;

  @Override
  public Integer call() throws UserException {
    if (steps != null && steps <= 0) {
      throw new UserException("--steps must be positive, got " + steps);
    }
    SessionThreads threads;
    try {
      threads = new SessionThreads(intraOp, interOp);
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage());
    }
    StepBenchmark benchmark = new StepBenchmark(threads, WARM_UP, REPEATS);
    List<CaseResult> results = new ArrayList<>();
    for (BenchCase c : BenchCase.ALL) {
      results.add(benchmark.measure(c, steps == null ? defaultSteps(c) : steps));
    }
    Measured measured =
        new Measured(
            results,
            MatMulPeak.gflopsPerSecond(threads, PEAK_SIZE, PEAK_REPEATS),
            kernels ? KernelReport.measure(threads) : null);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(measured.toJson());
    } else {
      measured.print(out);
    }
    return 0;
  }

  /** About 2 GFLOP per repeat, 30 to 400 steps: the rule of {@code torch_step.py}. */
  private static int defaultSteps(BenchCase c) {
    return (int) Math.max(30, Math.min(400, 2e9 / c.flopsPerStep()));
  }

  private static double round(double value, int digits) {
    double factor = Math.pow(10, digits);
    return Math.round(value * factor) / factor;
  }

  /**
   * What {@code --kernels} adds: each case's products alone, and one {@code session.run}.
   *
   * @param products the forward product and the weight gradient of each case
   * @param callMicros microseconds of one {@code session.run}
   */
  private record KernelReport(Map<BenchCase, KernelTimes> products, double callMicros) {

    static KernelReport measure(SessionThreads threads) {
      ProductKernels kernels = new ProductKernels(threads, WARM_UP, KERNEL_RUNS, REPEATS);
      Map<BenchCase, KernelTimes> products = new LinkedHashMap<>();
      for (BenchCase c : BenchCase.ALL) {
        products.put(c, kernels.measure(c));
      }
      return new KernelReport(products, CallOverhead.microsPerCall(threads, CALLS, REPEATS));
    }
  }

  /**
   * What one bench run measured.
   *
   * @param peak GFLOP/s of the large MatMul
   * @param kernels what {@code --kernels} adds; null without it
   */
  private record Measured(List<CaseResult> results, double peak, KernelReport kernels) {

    String toJson() {
      JsonArray cases = new JsonArray();
      for (CaseResult r : results) {
        JsonObject o = new JsonObject();
        o.addProperty("case", r.benchCase().name());
        o.addProperty("ms_per_step", round(r.msPerStep(), 4));
        o.addProperty("gflops_per_s", round(r.gflopsPerSecond(), 2));
        o.addProperty("share_of_peak", round(r.gflopsPerSecond() / peak, 3));
        if (kernels != null) {
          KernelTimes k = kernels.products().get(r.benchCase());
          o.addProperty("forward_ms", round(k.forwardMs(), 4));
          o.addProperty("weight_gradient_ms", round(k.weightGradientMs(), 4));
        }
        cases.add(o);
      }
      JsonObject root = new JsonObject();
      root.add("cases", cases);
      root.addProperty("peak_gflops_per_s", round(peak, 2));
      root.addProperty("peak_matmul", PEAK_SIZE + "x" + PEAK_SIZE + "x" + PEAK_SIZE);
      root.addProperty("onednn", OneDnn.setting());
      if (kernels != null) {
        root.addProperty("session_run_us", round(kernels.callMicros(), 1));
      }
      return new Gson().toJson(root);
    }

    void print(PrintWriter out) {
      out.printf(
          "peak: one %dx%dx%d MatMul in TF, %.1f GFLOP/s (median of %d)%n",
          PEAK_SIZE, PEAK_SIZE, PEAK_SIZE, peak, PEAK_REPEATS);
      out.printf("oneDNN kernels: %s (%s)%n", OneDnn.setting(), OneDnn.VARIABLE);
      out.println(
          "GFLOP/s: forward + weight gradient (2x forward) per step; median of "
              + REPEATS
              + " repeats");
      out.printf("%-26s %10s %10s %8s", "CASE", "MS/STEP", "GFLOP/S", "OF PEAK");
      out.println(kernels == null ? "" : String.format(" %10s %10s", "FWD MS", "WGRAD MS"));
      for (CaseResult r : results) {
        out.printf(
            "%-26s %10.3f %10.1f %7.0f%%",
            r.benchCase().name(),
            r.msPerStep(),
            r.gflopsPerSecond(),
            100 * r.gflopsPerSecond() / peak);
        if (kernels == null) {
          out.println();
        } else {
          KernelTimes k = kernels.products().get(r.benchCase());
          out.printf(" %10.3f %10.3f%n", k.forwardMs(), k.weightGradientMs());
        }
      }
      if (kernels != null) {
        out.printf(
            "one session.run (one scalar fed, nothing computed): %.1f us%n", kernels.callMicros());
      }
    }
  }
}
