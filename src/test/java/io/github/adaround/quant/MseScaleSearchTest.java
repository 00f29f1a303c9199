package io.github.adaround.quant;

import static io.github.adaround.tf.GraphFixture.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.tf.GraphFixture;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/** The MSE grid: never worse than min-max, clips outliers, and feeds the quantizer. */
class MseScaleSearchTest {

  private static double error(float[] w, float[] scale, ChannelLayout layout, QuantSpec spec) {
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      float s = scale[layout.channelOf(i)];
      double d = w[i] - MseScaleSearch.nearest(w[i], s, spec) * s;
      sum += d * d;
    }
    return sum;
  }

  private static float[] minMax(GraphFixture f, long[] shape, float[] w, QuantSpec spec) {
    AdaroundFakeQuantizer q =
        AdaroundFakeQuantizer.create(f.tf, f.constant(Shape.of(shape), w), spec, "w");
    f.run(q.observe());
    return f.floats(q.scale());
  }

  @Test
  void channelLayoutNumbersChannelsAsTheQuantizerDoes() {
    try (GraphFixture f = new GraphFixture()) {
      long[] depthwise = {3, 3, 4, 2};
      float[] w = randn(1, 72);
      QuantSpec spec = QuantSpec.signed(4).perChannel(2, 3);
      ChannelLayout layout = ChannelLayout.of(depthwise, spec);
      float[] amax = new float[layout.channels()];
      for (int i = 0; i < w.length; i++) {
        amax[layout.channelOf(i)] = Math.max(amax[layout.channelOf(i)], Math.abs(w[i]));
      }
      float[] scale = minMax(f, depthwise, w, spec);
      for (int c = 0; c < amax.length; c++) {
        assertEquals(amax[c] / 7.5f, scale[c], 0f);
      }
    }
  }

  @Test
  void mseGridIsNeverWorseThanMinMaxAndClipsTheOutliersChannel() {
    try (GraphFixture f = new GraphFixture()) {
      long[] shape = {64, 4};
      float[] w = randn(2, 256);
      w[0] = 12f; // an outlier in channel 0
      QuantSpec spec = QuantSpec.signed(4).perChannel(-1);
      ChannelLayout layout = ChannelLayout.of(shape, spec);
      float[] mse = MseScaleSearch.scales(w, shape, spec);
      float[] minMax = minMax(f, shape, w, spec);
      for (int c = 0; c < 4; c++) {
        assertTrue(mse[c] <= minMax[c], "channel " + c);
      }
      assertTrue(error(w, mse, layout, spec) < error(w, minMax, layout, spec));
      assertTrue(mse[0] < minMax[0], "the outlier's channel is clipped: " + mse[0]);
    }
  }

  @Test
  void theQuantizerObservesAGivenGrid() {
    try (GraphFixture f = new GraphFixture()) {
      float[] w = randn(3, 12);
      QuantSpec spec = QuantSpec.signed(3).perChannel(1);
      float[] scales = MseScaleSearch.scales(w, new long[] {4, 3}, spec);
      AdaroundFakeQuantizer q =
          AdaroundFakeQuantizer.createWithScale(
              f.tf, f.constant(Shape.of(4, 3), w), spec, "w", scales);
      f.run(q.observe());
      assertArrayEquals(scales, f.floats(q.scale()));
      float[] nearest = f.floats(q.nearestOutput());
      for (int i = 0; i < w.length; i++) {
        float s = scales[i % 3];
        assertEquals(MseScaleSearch.nearest(w[i], s, spec) * s, nearest[i], 0f, "element " + i);
      }
      assertThrows(
          IllegalArgumentException.class,
          () ->
              AdaroundFakeQuantizer.createWithScale(
                  f.tf, f.constant(Shape.of(4, 3), w), spec, "w2", new float[] {1, 1}));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              AdaroundFakeQuantizer.createWithScale(
                  f.tf, f.constant(Shape.of(4, 3), w), spec, "w3", new float[] {1, 0, 1}));
    }
  }
}
