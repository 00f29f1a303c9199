package io.github.adaround.cli;

import io.github.adaround.demo.ProgressListener;
import java.io.PrintStream;

/**
 * A text progress bar on stderr: redrawn in place on a terminal (at most ten times a second), and
 * reduced to one line per finished task when stderr is a log file.
 */
final class ProgressBar implements ProgressListener {
  private static final int WIDTH = 30;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintStream out;
  private final boolean interactive;
  private String label = "";
  private int total;
  private int done;
  private long startNanos;
  private long lastDrawNanos;

  ProgressBar(PrintStream out, boolean interactive) {
    this.out = out;
    this.interactive = interactive;
  }

  /** A bar on {@code System.err}, redrawn in place when the process has a terminal. */
  static ProgressBar onStderr() {
    return new ProgressBar(System.err, System.console() != null);
  }

  @Override
  public void start(String label, int totalSteps) {
    this.label = label;
    this.total = Math.max(totalSteps, 1);
    this.done = 0;
    this.startNanos = System.nanoTime();
    this.lastDrawNanos = 0;
  }

  @Override
  public void advance(int steps, String status) {
    done = Math.min(total, done + steps);
    long now = System.nanoTime();
    if (interactive && (now - lastDrawNanos >= REDRAW_NANOS || done == total)) {
      lastDrawNanos = now;
      out.print("\r" + line(status) + "\u001b[K");
      out.flush();
    }
  }

  @Override
  public void finish(String summary) {
    out.print((interactive ? "\r" : "") + line(summary) + (interactive ? "\u001b[K" : "") + "\n");
    out.flush();
  }

  private String line(String status) {
    int filled = (int) ((long) WIDTH * done / total);
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    String eta =
        done == 0 || done == total
            ? ""
            : String.format(" eta %.0fs", seconds * (total - done) / done);
    return String.format(
        "%-12s [%s%s] %d/%d %5.0fs%s %s",
        label, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, seconds, eta, status);
  }
}
