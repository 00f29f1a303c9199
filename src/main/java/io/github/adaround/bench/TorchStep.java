package io.github.adaround.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.github.adaround.error.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same step in PyTorch, timed by the project's {@code tools/torch_step.py} in a child process
 * (each case under both OpenBLAS thread settings, the faster kept): what {@code bench --torch}
 * compares with.
 *
 * @param python the Python interpreter that has PyTorch
 * @param script {@code tools/torch_step.py}
 */
record TorchStep(Path python, Path script) {

  /** What PyTorch took for one case, and the OpenBLAS setting that gave it. */
  public record Figure(double msPerStep, String config) {}

  /**
   * Checks, cheaply, that the script is there and that the interpreter imports torch.
   *
   * @throws UserError naming what is missing
   */
  public void check() {
    if (!Files.isRegularFile(script)) {
      throw new UserError("--torch: " + script + ": no such file (the PyTorch side of --torch)");
    }
    int status = run(List.of(python.toString(), "-c", "import torch")).status();
    if (status != 0) {
      throw new UserError(
          "--torch: "
              + python
              + " cannot import torch (apt-get install python3-torch libopenblas0-pthread)");
    }
  }

  /**
   * Runs the script and reads its figures, by case name.
   *
   * @throws UserError if it fails or prints no figures
   */
  public Map<String, Figure> measure(int threads) {
    Output out =
        run(
            List.of(
                python.toString(),
                script.toString(),
                "--json",
                "--threads",
                Integer.toString(threads)));
    if (out.status() != 0) {
      throw new UserError("--torch: " + script + " failed with exit status " + out.status());
    }
    try {
      List<String> lines = out.stdout().strip().lines().toList();
      JsonObject root = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
      Map<String, Figure> figures = new LinkedHashMap<>();
      for (JsonElement e : root.getAsJsonArray("cases")) {
        JsonObject c = e.getAsJsonObject();
        figures.put(
            c.get("case").getAsString(),
            new Figure(c.get("ms_per_step").getAsDouble(), c.get("config").getAsString()));
      }
      return figures;
    } catch (JsonParseException | IllegalStateException | IndexOutOfBoundsException e) {
      throw new UserError("--torch: " + script + " printed no figures");
    }
  }

  private record Output(int status, String stdout) {}

  private static Output run(List<String> command) {
    try {
      Process process =
          new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return new Output(process.waitFor(), stdout);
    } catch (IOException e) {
      return new Output(-1, "");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Output(-1, "");
    }
  }
}
