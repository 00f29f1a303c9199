package io.github.adaround.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  @TempDir Path dir;

  @Test
  void bundledSubsetHoldsTheFirstTrainingAndTestImages() throws IOException {
    DatasetLocation subset = new DatasetLocation.BundledSubset();
    LabeledImages train = FashionMnist.load(subset, Split.TRAIN);
    LabeledImages test = FashionMnist.load(subset, Split.TEST);

    assertEquals(1024, train.count());
    assertEquals(2000, test.count());
    assertEquals(28 * 28, test.imageSize());
    // The first test image of Fashion-MNIST is an ankle boot (class 9), the first training one too.
    assertEquals(9, test.label(0));
    assertEquals(9, train.label(0));
    for (float p : test.pixels()) {
      assertTrue(p >= 0f && p <= 1f);
    }
  }

  @Test
  void aFolderIsReadLikeTheBundledSubset() throws IOException {
    for (Split split : Split.values()) {
      copyResource(split.imagesFile());
      copyResource(split.labelsFile());
    }
    LabeledImages fromFolder =
        FashionMnist.load(DatasetLocation.resolve(Optional.of(dir)), Split.TEST);
    LabeledImages bundled = FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TEST);
    assertArrayEquals(bundled.pixels(), fromFolder.pixels());
    assertArrayEquals(bundled.labels(), fromFolder.labels());
  }

  @Test
  void resolutionPrefersTheGivenFolder() throws IOException {
    assertEquals(new DatasetLocation.Folder(dir), DatasetLocation.resolve(Optional.of(dir)));
    DatasetLocation fallback = DatasetLocation.resolve(Optional.empty());
    if (Files.isDirectory(DatasetLocation.DEBIAN_PACKAGE_DIR)) {
      assertEquals(new DatasetLocation.Folder(DatasetLocation.DEBIAN_PACKAGE_DIR), fallback);
    } else {
      assertInstanceOf(DatasetLocation.BundledSubset.class, fallback);
    }
  }

  @Test
  void missingFolderOrFileIsNamed() throws IOException {
    Path missing = dir.resolve("nowhere");
    DataFileException e =
        assertThrows(DataFileException.class, () -> DatasetLocation.resolve(Optional.of(missing)));
    assertEquals(missing + ": no such folder", e.getMessage());

    DatasetLocation empty = DatasetLocation.resolve(Optional.of(dir));
    e = assertThrows(DataFileException.class, () -> FashionMnist.load(empty, Split.TEST));
    assertEquals(dir.resolve(Split.TEST.imagesFile()) + ": no such file", e.getMessage());
  }

  @Test
  void labelsMustMatchTheImages() throws IOException {
    copyResource(Split.TEST.imagesFile());
    Files.write(
        dir.resolve(Split.TEST.labelsFile()),
        IdxReaderTest.gzip(IdxReaderTest.idx(0x08, new int[] {5}, 5)));
    DataFileException e =
        assertThrows(
            DataFileException.class,
            () -> FashionMnist.load(DatasetLocation.resolve(Optional.of(dir)), Split.TEST));
    assertEquals(
        dir.resolve(Split.TEST.labelsFile()) + ": expected 2000 labels to match the images",
        e.getMessage());
  }

  private void copyResource(String name) throws IOException {
    try (InputStream in = new DatasetLocation.BundledSubset().open(name)) {
      Files.copy(in, dir.resolve(name));
    }
  }
}
