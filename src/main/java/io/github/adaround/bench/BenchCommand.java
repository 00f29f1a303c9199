package io.github.adaround.bench;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.adaround.bench.ProductKernels.KernelTimes;
import io.github.adaround.error.UserError;
import io.github.adaround.tf.LayerThreads;
import io.github.adaround.tf.OneDnn;
import io.github.adaround.tf.SessionThreads;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
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
public final class BenchCommand implements Callable<Integer> {
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
      names = "--torch",
      description =
          "Then time the same steps in PyTorch with tools/torch_step.py (each case with both"
              + " OpenBLAS thread settings, the faster kept: PyTorch at its best) and print each"
              + " case's ratio, ours / PyTorch (above 1: slower than PyTorch).")
  private boolean torch;

  @Option(
      names = "--python",
      paramLabel = "FILE",
      defaultValue = "/usr/bin/python3",
      description = "The Python with PyTorch that --torch runs (default: ${DEFAULT-VALUE}).")
  private Path python;

  @Option(
      names = "--intra-op-threads",
      paramLabel = "N",
      description =
          "TF threads within one kernel, 0 for TF's choice (default: as the engine chooses per"
              + " layer: one for small steps, TF's choice otherwise).")
  private Integer intraOp;

  @Option(
      names = "--inter-op-threads",
      paramLabel = "N",
      description = "TF kernels run at once (default: 0, TF's choice).")
  private Integer interOp;

  @Override
  public Integer call() throws UserError {
    if (steps != null && steps <= 0) {
      throw new UserError("--steps must be positive, got " + steps);
    }
    if (intraOp != null && intraOp < 0 || interOp != null && interOp < 0) {
      throw new UserError(
          "--intra-op-threads and --inter-op-threads must not be negative, got "
              + (intraOp != null && intraOp < 0 ? intraOp : interOp));
    }
    SessionThreads threads =
        new SessionThreads(intraOp == null ? 0 : intraOp, interOp == null ? 0 : interOp);
    Function<BenchCase, SessionThreads> stepThreads =
        intraOp == null && interOp == null
            ? c -> LayerThreads.forStep(c.flopsPerStep())
            : c -> threads;
    TorchStep torchStep = new TorchStep(python, toolsFolder().resolve("torch_step.py"));
    if (torch) {
      torchStep.check();
    }
    StepBenchmark benchmark = new StepBenchmark(stepThreads, WARM_UP, REPEATS);
    QuadraticStepBenchmark quadratic = new QuadraticStepBenchmark(threads, WARM_UP, REPEATS);
    List<CaseResult> results = new ArrayList<>();
    Map<BenchCase, Double> quadraticMs = new LinkedHashMap<>();
    for (BenchCase c : BenchCase.ALL) {
      int n = steps == null ? defaultSteps(c) : steps;
      results.add(benchmark.measure(c, n));
      quadratic.measure(c, n).ifPresent(ms -> quadraticMs.put(c, ms));
    }
    double peak = MatMulPeak.gflopsPerSecond(threads, PEAK_SIZE, PEAK_REPEATS);
    KernelReport kernelReport = kernels ? KernelReport.measure(threads) : null;
    Map<String, TorchStep.Figure> torchFigures = null;
    if (torch) {
      torchFigures = torchStep.measure(Runtime.getRuntime().availableProcessors());
    }
    Measured measured = new Measured(results, quadraticMs, peak, kernelReport, torchFigures);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(measured.toJson());
    } else {
      measured.print(out);
    }
    return 0;
  }

  /**
   * The folder of {@code tools/torch_step.py}: {@code tools/} of the checkout that {@code
   * tools/adaround} runs from (it sets {@code adaround.home}), else of the working directory.
   */
  private static Path toolsFolder() {
    String home = System.getProperty("adaround.home");
    return (home == null ? Path.of("") : Path.of(home)).resolve("tools");
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
   * @param quadraticMs ms per step of the quadratic objective, for the cases where it is chosen
   * @param kernels what {@code --kernels} adds; null without it
   * @param torch PyTorch's figures by case name ({@code --torch}); null without it
   */
  private record Measured(
      List<CaseResult> results,
      Map<BenchCase, Double> quadraticMs,
      double peak,
      KernelReport kernels,
      Map<String, TorchStep.Figure> torch) {

    String toJson() {
      JsonArray cases = new JsonArray();
      for (CaseResult r : results) {
        JsonObject o = new JsonObject();
        o.addProperty("case", r.benchCase().name());
        o.addProperty("ms_per_step", round(r.msPerStep(), 4));
        o.addProperty("gflops_per_s", round(r.gflopsPerSecond(), 2));
        o.addProperty("share_of_peak", round(r.gflopsPerSecond() / peak, 3));
        o.addProperty("intra_op_threads", r.threads().intraOp());
        if (kernels != null) {
          KernelTimes k = kernels.products().get(r.benchCase());
          o.addProperty("forward_ms", round(k.forwardMs(), 4));
          o.addProperty("weight_gradient_ms", round(k.weightGradientMs(), 4));
        }
        Double quadratic = quadraticMs.get(r.benchCase());
        if (quadratic != null) {
          o.addProperty("quadratic_ms_per_step", round(quadratic, 4));
        }
        TorchStep.Figure t = torchFigure(r);
        if (t != null) {
          o.addProperty("torch_ms_per_step", t.msPerStep());
          o.addProperty("torch_config", t.config());
          o.addProperty("ratio_to_torch", round(r.msPerStep() / t.msPerStep(), 3));
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

    private TorchStep.Figure torchFigure(CaseResult r) {
      return torch == null ? null : torch.get(r.benchCase().name());
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
      out.printf("%-26s %7s %10s %10s %8s", "CASE", "THREADS", "MS/STEP", "GFLOP/S", "OF PEAK");
      out.printf(kernels == null ? "" : String.format(" %10s %10s", "FWD MS", "WGRAD MS"));
      out.printf(" %12s", "QUADRATIC MS");
      out.println(torch == null ? "" : String.format(" %10s %9s", "TORCH MS", "RATIO"));
      for (CaseResult r : results) {
        out.printf(
            "%-26s %7s %10.3f %10.1f %7.0f%%",
            r.benchCase().name(),
            r.threads().intraOp() == 0 ? "tf" : String.valueOf(r.threads().intraOp()),
            r.msPerStep(),
            r.gflopsPerSecond(),
            100 * r.gflopsPerSecond() / peak);
        if (kernels != null) {
          KernelTimes k = kernels.products().get(r.benchCase());
          out.printf(" %10.3f %10.3f", k.forwardMs(), k.weightGradientMs());
        }
        Double quadratic = quadraticMs.get(r.benchCase());
        out.print(
            quadratic == null ? String.format(" %12s", "-") : String.format(" %12.3f", quadratic));
        TorchStep.Figure t = torchFigure(r);
        out.println(
            t == null
                ? ""
                : String.format(
                    " %10.3f %9.2f  (%s)",
                    t.msPerStep(), r.msPerStep() / t.msPerStep(), t.config()));
      }
      out.println(
          "THREADS: kernel threads of the step's session (tf: TF's choice; the engine gives small"
              + " layers one)");
      out.println(
          "QUADRATIC MS: a step of --objective quadratic where the engine chooses it"
              + " (pre-activation error over all 256 samples; another recipe)");
      if (torch != null) {
        out.println(
            "TORCH MS: tools/torch_step.py, PyTorch at its best of both OpenBLAS settings; RATIO:"
                + " ours / PyTorch, above 1 slower");
      }
      if (kernels != null) {
        out.printf(
            "one session.run (one scalar fed, nothing computed): %.1f us%n", kernels.callMicros());
      }
    }
  }
}
