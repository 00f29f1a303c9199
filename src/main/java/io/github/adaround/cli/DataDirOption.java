package io.github.adaround.cli;

import io.github.adaround.data.DatasetLocation;
import io.github.adaround.data.FashionMnist;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The {@code --data-dir} option shared by the commands that read Fashion-MNIST. */
final class DataDirOption {
  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = {
        "Folder with the four Fashion-MNIST IDX files (gzip or raw).",
        "Default: /usr/share/datasets/fashion-mnist when the Debian package dataset-fashion-mnist"
            + " is installed, else a subset bundled with the tool (1024 training, 2000 test"
            + " images)."
      })
  private Path dataDir;

  /** Loads a split from the resolved location, telling the user on stderr where it comes from. */
  LabeledImages load(Split split) throws IOException {
    DatasetLocation location = DatasetLocation.resolve(Optional.ofNullable(dataDir));
    LabeledImages images = FashionMnist.load(location, split);
    System.err.printf(
        "%s split: %d images, %s%n",
        split.name().toLowerCase(), images.count(), location.description());
    return images;
  }
}
