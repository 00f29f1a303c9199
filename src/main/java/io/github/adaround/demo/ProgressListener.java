package io.github.adaround.demo;

/** Hears about the progress of a long task made of steps (an epoch, an evaluation). */
public interface ProgressListener {
  /** A listener that ignores everything. */
  ProgressListener NONE =
      new ProgressListener() {
        @Override
        public void start(String label, int totalSteps) {}

        @Override
        public void advance(int steps, String status) {}

        @Override
        public void finish(String summary) {}
      };

  /** A task of {@code totalSteps} steps starts. */
  void start(String label, int totalSteps);

  /** {@code steps} more steps are done; {@code status} is a short running figure, or empty. */
  void advance(int steps, String status);

  /** The task is over. */
  void finish(String summary);
}
