package io.github.adaround.cli;

import io.github.adaround.source.KerasTf1AssignModel;
import java.nio.file.Path;

/**
 * Writes the models built from Java behind the README's table of model kinds into one folder, for
 * {@code tools/reproduce-model-kinds.sh}: {@code main(folder)}.
 */
final class ModelKinds {

  private ModelKinds() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    InputsModels.twoInputs(dir.resolve("two-inputs"));
    InputsModels.anySizeImages(dir.resolve("any-size"));
    InputsModels.anyLengthSequences(dir.resolve("conv1d-any-length"));
    KerasTf1AssignModel.export(dir.resolve("tf1-assign"));
    GpuSavedModelsQuantizeTest.pinSavedModel(
        Path.of("models", "fashion-mnist-cnn"), dir.resolve("tf1-style-gpu"));
    GpuSavedModelsQuantizeTest.pinSavedModel(
        Path.of("src", "test", "resources", "models", "keras-dense-tfnet"),
        dir.resolve("keras-gpu"));
    UnetModel.write(dir.resolve("unet"), 512, 124);
  }
}
