package io.github.adaround.quadratic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.loss.AdaroundLoss;
import io.github.adaround.loss.LossConfig;
import io.github.adaround.quant.AdaroundFakeQuantizer;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.tf.GraphFixture;
import io.github.adaround.tf.TensorData;
import io.github.adaround.train.LayerFunction;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The quadratic form over the whole calibration set is the minibatch path's reconstruction term
 * with every sample in one batch: the same value and the same gradient in V, for Dense layers,
 * convolutions with each padding, stride and dilation, and depthwise convolutions, with the Gram
 * sums taken over uneven chunks.
 */
class QuadraticReconstructionTest {

  private static final int SAMPLES = 23;
  private static final int[] CHUNKS = {7, 11, 5};
  private static final List<Long> UNIT = List.of(1L, 1L, 1L, 1L);

  /**
   * A layer as the engine rebuilds it ({@code linear}), with its patch layout and shapes, and the
   * same layer as ops whose TF gradient is right ({@code reference}): TF's C++ gradient of Conv2D
   * drops its dilations and explicit paddings, so those cases differentiate a dilated kernel or a
   * padded input instead.
   */
  record Case(
      String name,
      PatchLayout layout,
      LayerFunction linear,
      LayerFunction reference,
      Shape weight,
      Shape inputSample,
      LossConfig loss) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
        dense("dense", 12, 5, false, LossConfig.PAPER),
        dense("dense, transposed weight", 12, 5, true, LossConfig.PAPER),
        dense("dense, mean over all elements", 9, 4, false, LossConfig.REFERENCE),
        conv("conv 3x3 SAME", 3, 4, 7, List.of(1L, 1L, 1L, 1L), UNIT, "SAME", List.of()),
        conv("conv 3x3 VALID stride 2", 2, 3, 9, List.of(1L, 2L, 2L, 1L), UNIT, "VALID", List.of()),
        conv(
            "conv 3x3 SAME stride 2 on an odd size",
            2,
            3,
            9,
            List.of(1L, 2L, 2L, 1L),
            UNIT,
            "SAME",
            List.of()),
        conv("conv 3x3 SAME dilation 2", 2, 3, 8, UNIT, List.of(1L, 2L, 2L, 1L), "SAME", List.of()),
        conv(
            "conv 3x3 EXPLICIT padding",
            2,
            3,
            6,
            UNIT,
            UNIT,
            "EXPLICIT",
            List.of(0L, 0L, 2L, 1L, 0L, 1L, 0L, 0L)),
        depthwise("depthwise 3x3 SAME multiplier 2", 3, 2, 6, UNIT, "SAME"),
        depthwise(
            "depthwise 3x3 VALID stride 2 multiplier 1",
            4,
            1,
            7,
            List.of(1L, 2L, 2L, 1L),
            "VALID"));
  }

  private static Arguments dense(
      String name, long in, long out, boolean transposed, LossConfig loss) {
    float[] bias = GraphFixture.randn(9, (int) out);
    LayerFunction linear =
        (tf, x, w) ->
            tf.nn.biasAdd(
                tf.linalg.matMul(x, w, MatMul.transposeB(transposed)),
                tf.constant(Shape.of(out), org.tensorflow.ndarray.buffer.DataBuffers.of(bias)));
    return Arguments.of(
        new Case(
            name,
            new DensePatches(in, out, transposed),
            linear,
            linear,
            transposed ? Shape.of(out, in) : Shape.of(in, out),
            Shape.of(in),
            loss));
  }

  private static Arguments conv(
      String name,
      long in,
      long out,
      long size,
      List<Long> strides,
      List<Long> dilations,
      String padding,
      List<Long> explicit) {
    LayerFunction linear =
        (tf, x, w) ->
            tf.nn.conv2d(
                x,
                w,
                strides,
                padding,
                Conv2d.dilations(dilations),
                Conv2d.explicitPaddings(explicit));
    return Arguments.of(
        new Case(
            name,
            new ConvPatches(3, 3, in, out, false, strides, dilations, padding, explicit),
            linear,
            reference(in, out, strides, dilations, padding, explicit),
            Shape.of(3, 3, in, out),
            Shape.of(size, size, in),
            LossConfig.PAPER));
  }

  /** The convolution with dilations and explicit paddings applied to kernel and input first. */
  private static LayerFunction reference(
      long in,
      long out,
      List<Long> strides,
      List<Long> dilations,
      String padding,
      List<Long> explicit) {
    long rate = dilations.get(1);
    int gap = (int) rate - 1;
    return (tf, x, w) -> {
      Operand<TFloat32> kernel = w;
      if (rate > 1) {
        // Each kernel tap followed by rate - 1 zeros, on both spatial axes, the trailing ones cut.
        Operand<TFloat32> spread =
            tf.pad(
                tf.reshape(w, tf.constant(new long[] {3, 1, 3, 1, in, out})),
                tf.constant(new int[][] {{0, 0}, {0, gap}, {0, 0}, {0, gap}, {0, 0}, {0, 0}}),
                tf.constant(0f));
        int size = (int) (3 * rate - (rate - 1));
        kernel =
            tf.slice(
                tf.reshape(spread, tf.constant(new long[] {3 * rate, 3 * rate, in, out})),
                tf.constant(new int[] {0, 0, 0, 0}),
                tf.constant(new int[] {size, size, (int) in, (int) out}));
      }
      Operand<TFloat32> input = x;
      String windows = padding;
      if (padding.equals("EXPLICIT")) {
        int[][] pairs = new int[4][2];
        for (int i = 0; i < 8; i++) {
          pairs[i / 2][i % 2] = Math.toIntExact(explicit.get(i));
        }
        input = tf.pad(x, tf.constant(pairs), tf.constant(0f));
        windows = "VALID";
      }
      return tf.nn.conv2d(input, kernel, strides, windows);
    };
  }

  private static Arguments depthwise(
      String name, long channels, long multiplier, long size, List<Long> strides, String padding) {
    LayerFunction linear = (tf, x, w) -> tf.nn.depthwiseConv2dNative(x, w, strides, padding);
    return Arguments.of(
        new Case(
            name,
            new ConvPatches(3, 3, channels, multiplier, true, strides, UNIT, padding, List.of()),
            linear,
            linear,
            Shape.of(3, 3, channels, multiplier),
            Shape.of(size, size, channels),
            LossConfig.PAPER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theQuadraticFormIsTheFullBatchReconstructionWithItsGradient(Case c) {
    float[] weight = scaled(GraphFixture.randn(1, (int) c.weight().size()), 0.3f);
    float[] inputs = GraphFixture.randn(2, SAMPLES * (int) c.inputSample().size());
    try (GraphFixture g = new GraphFixture()) {
      Ops tf = g.tf;
      Operand<TFloat32> w = g.constant(c.weight(), weight);
      Operand<TFloat32> x = g.constant(Shape.of(SAMPLES).append(c.inputSample()), inputs);
      // Targets of an FP model whose inputs differ a little from the quantized model's.
      Operand<TFloat32> shifted =
          tf.math.add(
              x,
              g.constant(
                  Shape.of(SAMPLES).append(c.inputSample()),
                  scaled(GraphFixture.randn(3, inputs.length), 0.05f)));
      Operand<TFloat32> targets = c.reference().apply(tf, shifted, w);
      AdaroundFakeQuantizer q = AdaroundFakeQuantizer.create(tf, w, QuantSpec.signed(4), "w");
      float[] targetValues;
      Shape targetSample;
      g.run(q.observe());
      float[] v = scaled(GraphFixture.randn(4, weight.length), 2f);
      g.run(tf.assign(q.v(), g.constant(c.weight(), v)));
      try (Result r = g.session().runner().fetch(targets).run()) {
        targetValues = TensorData.floats(r.get(0));
        long[] dims = r.get(0).shape().asArray();
        targetSample = Shape.of(Arrays.copyOfRange(dims, 1, dims.length));
      }
      GramStatistics statistics = statistics(c, weight, inputs, targetValues, targetSample);

      Operand<TInt64> iteration = tf.constant(0L);
      Operand<TFloat32> direct =
          AdaroundLoss.create(
                  tf,
                  c.loss(),
                  10,
                  c.reference().apply(tf, x, q.softOutput()),
                  g.constant(Shape.of(SAMPLES).append(targetSample), targetValues),
                  q.softRoundingValue(),
                  iteration)
              .reconstruction();
      Operand<TFloat32> quadratic =
          QuadraticReconstruction.create(tf, statistics, c.loss().reduction(), q.softOutput(), w);
      Operand<TFloat32> directGradient = tf.gradients(direct, List.of(q.v())).dy(0);
      Operand<TFloat32> quadraticGradient = tf.gradients(quadratic, List.of(q.v())).dy(0);

      float expected = g.floats(direct)[0];
      float actual = g.floats(quadratic)[0];
      assertEquals(expected, actual, 2e-4 * expected, "reconstruction");
      float[] expectedGradient = g.floats(directGradient);
      float[] actualGradient = g.floats(quadraticGradient);
      double largest = 0;
      for (float e : expectedGradient) {
        largest = Math.max(largest, Math.abs(e));
      }
      assertTrue(largest > 0, "the gradient is not trivially zero");
      for (int i = 0; i < expectedGradient.length; i++) {
        assertEquals(
            expectedGradient[i], actualGradient[i], 2e-4 * largest, "gradient of V[" + i + "]");
        assertEquals(
            expectedGradient[i] == 0, actualGradient[i] == 0, "zero pattern at V[" + i + "]");
      }
    }
  }

  /** The Gram sums over {@link #CHUNKS}, as the engine adds chunk after chunk. */
  private static GramStatistics statistics(
      Case c, float[] weight, float[] inputs, float[] targets, Shape targetSample) {
    int inputSize = (int) c.inputSample().size();
    int targetSize = (int) targetSample.size();
    try (GramAccumulator sums =
        new GramAccumulator(
            c.layout(), c.linear(), weight, c.weight(), c.inputSample(), targetSample)) {
      int start = 0;
      for (int rows : CHUNKS) {
        try (TFloat32 x =
                TensorData.floats(
                    Shape.of(rows).append(c.inputSample()),
                    Arrays.copyOfRange(inputs, start * inputSize, (start + rows) * inputSize));
            TFloat32 y =
                TensorData.floats(
                    Shape.of(rows).append(targetSample),
                    Arrays.copyOfRange(targets, start * targetSize, (start + rows) * targetSize))) {
          sums.add(x, y);
        }
        start += rows;
      }
      assertEquals(SAMPLES, start);
      return sums.result();
    }
  }

  private static float[] scaled(float[] values, float factor) {
    float[] out = values.clone();
    for (int i = 0; i < out.length; i++) {
      out[i] *= factor;
    }
    return out;
  }
}
