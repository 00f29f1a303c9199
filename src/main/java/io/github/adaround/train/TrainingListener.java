package io.github.adaround.train;

/** Hears a layer's training progress; the default does nothing. */
public interface TrainingListener {

  TrainingListener SILENT = report -> {};

  /** Called every {@link AdaroundRecipe#reportEvery()} iterations and at the last one. */
  void onReport(LossReport report);
}
