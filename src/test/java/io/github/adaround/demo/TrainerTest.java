package io.github.adaround.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.data.DatasetLocation;
import io.github.adaround.data.FashionMnist;
import io.github.adaround.data.LabeledImages;
import io.github.adaround.data.Split;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static LabeledImages data;

  @BeforeAll
  static void loadData() throws IOException {
    data = FashionMnist.load(new DatasetLocation.BundledSubset(), Split.TRAIN).first(256);
  }

  private static ModelParameters train(int epochs, long seed, ProgressListener listener) {
    return new Trainer(new TrainingConfig(epochs, 64, 1e-3f, 0.8f, seed), listener).train(data);
  }

  @Test
  void theSameSeedGivesBitIdenticalWeights() {
    ModelParameters first = train(2, 42, ProgressListener.NONE);
    ModelParameters second = train(2, 42, ProgressListener.NONE);
    ModelParameters otherSeed = train(2, 43, ProgressListener.NONE);

    assertEquals(first, second);
    assertNotEquals(first, otherSeed);
  }

  @Test
  void trainingChangesEveryParameterAndLowersTheLoss() {
    List<Double> epochLosses = new ArrayList<>();
    ProgressListener recorder =
        new ProgressListener() {
          @Override
          public void start(String label, int totalSteps) {
            assertEquals(4, totalSteps);
          }

          @Override
          public void advance(int steps, String status) {}

          @Override
          public void finish(String summary) {
            epochLosses.add(Double.parseDouble(summary.replace("loss ", "")));
          }
        };
    ModelParameters trained = train(4, 7, recorder);
    ModelParameters initial = ModelParameters.glorotUniform(FashionCnn.PARAMETERS, 7);

    assertEquals(4, epochLosses.size());
    assertTrue(epochLosses.get(3) < 0.8 * epochLosses.get(0), epochLosses.toString());
    for (Parameter p : FashionCnn.PARAMETERS) {
      assertNotEquals(
          Arrays.toString(initial.values(p.name())),
          Arrays.toString(trained.values(p.name())),
          p.name());
    }
  }
}
