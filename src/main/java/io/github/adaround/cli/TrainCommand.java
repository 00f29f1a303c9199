package io.github.adaround.cli;

import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import io.github.adaround.demo.Architecture;
import io.github.adaround.demo.Evaluator;
import io.github.adaround.demo.InferenceExporter;
import io.github.adaround.demo.ModelParameters;
import io.github.adaround.demo.SavedModelClassifier;
import io.github.adaround.demo.Trainer;
import io.github.adaround.demo.TrainingConfig;
import io.github.adaround.error.UserError;
import io.github.adaround.source.Folders;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code adaround train}: rebuilds the bundled FP32 Fashion-MNIST model, or trains one of the
 * batch-norm test models ({@code --architecture}).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Trains the bundled Fashion-MNIST CNN (conv, depthwise-separable block, two dense layers), or"
          + " with --architecture a residual or MobileNetV2-style net with batch norm, with Adam"
          + " and exports it as a SavedModel (signature serving_default: input float32 [-1,28,28,1]"
          + " in [0,1], output logits float32 [-1,10]).",
      "The same seed on the same machine gives the same weights. Prints the test accuracy of the"
          + " exported model at the end."
    })
final class TrainCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "DIR",
      description = "Folder to write the SavedModel to (written atomically).")
  private Path out;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "1",
      description = "Seeds the initial weights and the shuffling (default: ${DEFAULT-VALUE}).")
  private long seed;

  @Option(
      names = "--epochs",
      paramLabel = "N",
      defaultValue = "" + TrainingConfig.DEFAULT_EPOCHS,
      description = "Passes over the training split (default: ${DEFAULT-VALUE}).")
  private int epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "B",
      defaultValue = "" + TrainingConfig.DEFAULT_BATCH_SIZE,
      description = "Images per Adam step (default: ${DEFAULT-VALUE}).")
  private int batchSize;

  @Option(
      names = "--architecture",
      paramLabel = "NAME",
      defaultValue = "cnn",
      description =
          "The model: cnn (the bundled CNN), residual (a small residual net with batch norm) or"
              + " mobilenetv2 (a small MobileNetV2-style net: depthwise, ReLU6, inverted residuals,"
              + " batch norm) (default: ${DEFAULT-VALUE}).")
  private String architectureName;

  @Option(names = "--force", description = "Replace --out if it exists and is not empty.")
  private boolean force;

  @Mixin private DataDirOption data;

  @Override
  public Integer call() throws Exception {
    if (epochs < 1 || batchSize < 1) {
      throw new UserError("--epochs and --batch-size must be at least 1");
    }
    Architecture architecture;
    try {
      architecture = Architecture.byName(architectureName);
    } catch (IllegalArgumentException e) {
      throw new UserError("--architecture: " + e.getMessage());
    }
    OutputFolder output = OutputFolder.check(out, force);
    LabeledImages train = data.load(Split.TRAIN);
    LabeledImages test = data.load(Split.TEST);
    TrainingConfig config =
        new TrainingConfig(
            epochs,
            batchSize,
            TrainingConfig.DEFAULT_LEARNING_RATE,
            TrainingConfig.DEFAULT_LEARNING_RATE_DECAY,
            seed);
    long start = System.nanoTime();
    ModelParameters weights =
        new Trainer(config, ProgressBar.onStderr(), architecture).train(train);
    double trainSeconds = (System.nanoTime() - start) / 1e9;

    Path staging = output.temporary();
    try {
      InferenceExporter.export(architecture, weights, staging);
      Evaluator.Accuracy accuracy;
      try (SavedModelClassifier model = SavedModelClassifier.load(staging)) {
        accuracy = Evaluator.evaluate(model, test, ProgressBar.onStderr());
      }
      output.commit(staging);
      spec.commandLine()
          .getOut()
          .printf(
              "Trained %s in %.0f s (seed %d, %d epochs); saved %s; test top-1 accuracy %.4f on %d"
                  + " images%n",
              architecture.cliName(),
              trainSeconds,
              seed,
              epochs,
              out,
              accuracy.value(),
              accuracy.samples());
    } finally {
      Folders.deleteRecursively(staging);
    }
    return 0;
  }
}
