package io.github.adaround.kws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.adaround.data.NpyArray;
import io.github.adaround.data.NpyReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed keyword features are what the keyword spotter's own front end makes of the spoken
 * WAVs: each committed WAV gives, bit for bit, its row of {@code holdout.npy} (rows in the order of
 * {@code holdout.txt}).
 */
class KeywordFeaturesTest {

  @Test
  void committedWavsGiveTheirRowsOfTheFeatureFile() throws Exception {
    NpyArray holdout = NpyReader.read(KeywordSpotter.DIR.resolve("holdout.npy"));
    List<String> names = Files.readAllLines(KeywordSpotter.DIR.resolve("holdout.txt"));
    assertEquals(names.size(), holdout.shape()[0]);
    assertArrayEquals(new long[] {names.size(), 49, 10, 1}, holdout.shape());
    List<Path> wavs = KeywordSpotter.wavs(KeywordSpotter.DIR.resolve("wav"));
    assertEquals(5, wavs.size());
    try (KeywordSpotter kws = new KeywordSpotter(KeywordSpotter.GRAPH)) {
      for (Path wav : wavs) {
        int row = names.indexOf(wav.getFileName().toString());
        float[] expected = Arrays.copyOfRange(holdout.values(), row * 490, (row + 1) * 490);
        assertArrayEquals(expected, kws.features(Files.readAllBytes(wav)), wav.toString());
      }
    }
  }
}
