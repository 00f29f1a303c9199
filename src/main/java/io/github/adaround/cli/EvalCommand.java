package io.github.adaround.cli;

import com.google.gson.JsonObject;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import io.github.adaround.demo.Evaluator;
import io.github.adaround.demo.SavedModelClassifier;
import io.github.adaround.error.UserError;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code adaround eval}: top-1 accuracy of a SavedModel on the Fashion-MNIST test split. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Measures the top-1 accuracy of a SavedModel on the Fashion-MNIST test split.",
      "The model's signature serving_default must take float32 images [N,28,28,1] in [0,1] and"
          + " return float32 scores [N,10]; a fixed batch size N is handled."
    })
final class EvalCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "SavedModel folder.")
  private Path model;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "Evaluate only the first N test images.")
  private Integer limit;

  @Option(
      names = "--json",
      description = "Print {\"accuracy\": ..., \"samples\": ...} as the last line of stdout.")
  private boolean json;

  @Mixin private DataDirOption data;

  @Override
  public Integer call() throws Exception {
    if (limit != null && limit < 1) {
      throw new UserError("--limit must be at least 1");
    }
    try (SavedModelClassifier classifier = SavedModelClassifier.load(model)) {
      LabeledImages test = data.load(Split.TEST);
      long[] shape = classifier.inputShape();
      if (shape[1] != test.height() || shape[2] != test.width() || shape[3] != test.channels()) {
        throw new UserError(
            model + ": model input " + Arrays.toString(shape) + " does not take 28x28x1 images");
      }
      if (limit != null) {
        test = test.first(limit);
      }
      Evaluator.Accuracy accuracy = Evaluator.evaluate(classifier, test, ProgressBar.onStderr());
      if (json) {
        JsonObject result = new JsonObject();
        result.addProperty("accuracy", accuracy.value());
        result.addProperty("samples", accuracy.samples());
        spec.commandLine().getOut().println(result);
      } else {
        spec.commandLine()
            .getOut()
            .printf(
                "top-1 accuracy %.4f (%d of %d test images)%n",
                accuracy.value(), accuracy.correct(), accuracy.samples());
      }
    }
    return 0;
  }
}
