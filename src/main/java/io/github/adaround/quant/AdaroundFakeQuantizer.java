package io.github.adaround.quant;

import io.github.adaround.tf.ExactOps;
import io.github.adaround.tf.OpNames;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * PyTorch's {@code AdaroundFakeQuantizer} as composed TF ops in a caller's graph: the adaptive
 * rounding of one weight operand (Nagel et al. 2020, "Up or Down? Adaptive Rounding for
 * Post-Training Quantization").
 *
 * <pre>
 *   soft(W) = clamp(floor(W / s) + h(V), qmin, qmax) * s          eq. 22, h from eq. 23
 *   hard(W) = clamp(floor(W / s) + 1[V >= 0], qmin, qmax) * s
 * </pre>
 *
 * The scale {@code s} comes from the symmetric {@link MinMaxObserver}; {@code V} is a {@code
 * VariableV2} of the weight's shape, initialised by {@link RectifiedSigmoid#inverse} so that {@code
 * soft(W) = W} inside the grid. The soft output is differentiable in V by TF's autodiff; no
 * gradient is written by hand.
 *
 * <p>Life cycle: run {@link #observe()} once (and again whenever the weight changes): it checks the
 * weight for NaN and Inf, computes the scale, takes {@code floor(W / s)}, and re-initialises V. The
 * outputs read only these variables, so a training step costs no more than the rounding itself.
 * {@link #output()} switches at run time between soft, hard and no fake quantization through two
 * boolean placeholders ({@link #fakeQuantEnabled()}, {@link #softRounding()}), both true by
 * default.
 */
public final class AdaroundFakeQuantizer {

  private final String weightName;
  private final QuantSpec spec;
  private final Shape weightShape;
  private final Shape scaleShape;
  private final Variable<TFloat32> scale;
  private final Variable<TFloat32> gridFloor;
  private final Variable<TFloat32> v;
  private final Operand<TInt32> zeroPoint;
  private final Op observe;
  private final Operand<TFloat32> scaledWeight;
  private final Operand<TFloat32> residual;
  private final Operand<TFloat32> softRoundingValue;
  private final Operand<TFloat32> hardRoundingValue;
  private final Operand<TFloat32> softOutput;
  private final Operand<TFloat32> hardOutput;
  private final Operand<TFloat32> nearestOutput;
  private final PlaceholderWithDefault<TBool> fakeQuantEnabled;
  private final PlaceholderWithDefault<TBool> softRounding;
  private final Operand<TFloat32> output;

  private AdaroundFakeQuantizer(
      Ops tf, Operand<TFloat32> weight, QuantSpec spec, String name, float[] fixedScale) {
    this.weightName = name;
    this.spec = spec;
    this.weightShape = weight.shape();
    if (weightShape.isUnknown() || weightShape.hasUnknownDimension()) {
      throw new IllegalArgumentException(
          "weight '" + name + "' needs a fully known shape, got " + weightShape);
    }
    int rank = weightShape.numDimensions();
    if (spec.isPerChannel() && rank == 0) {
      throw new IllegalArgumentException("weight '" + name + "' is a scalar: it has no channels");
    }
    int[] channelAxes;
    try {
      channelAxes = spec.resolveChannelAxes(rank);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "weight '" + name + "' of shape " + weightShape + ": " + e.getMessage(), e);
    }
    int[] reducedAxes =
        IntStream.range(0, rank).filter(a -> Arrays.binarySearch(channelAxes, a) < 0).toArray();
    long[] broadcast = weightShape.asArray().clone();
    for (int axis : reducedAxes) {
      broadcast[axis] = 1;
    }
    // Per tensor the reference keeps a scale of shape [1]; it broadcasts against any weight.
    this.scaleShape = spec.isPerChannel() || rank == 0 ? Shape.of(broadcast) : Shape.of(1);
    int[] scaleDims = toInts(scaleShape.asArray());

    Ops q = tf.withSubScope(OpNames.scopeOf(name) + "_adaround");
    this.scale = q.withName("scale").variable(scaleShape, TFloat32.class);
    this.gridFloor = q.withName("floor").variable(weightShape, TFloat32.class);
    this.v = q.withName("V").variable(weightShape, TFloat32.class);
    this.zeroPoint = q.withName("zero_point").fill(q.constant(scaleDims), q.constant(0));

    // Observing: check the weight, then scale, floor(W/s) and V = h^-1(W/s - floor(W/s)).
    Operand<TFloat32> checked =
        q.debugging.checkNumerics(weight, "weight '" + name + "' contains NaN or Inf");
    Operand<TFloat32> newScale =
        fixedScale == null
            ? q.reshape(MinMaxObserver.scale(q, checked, spec, reducedAxes), q.constant(scaleDims))
            : q.withName("fixed_scale")
                .constant(scaleShape, DataBuffers.of(checkScale(fixedScale)));
    Operand<TFloat32> newScaled = ExactOps.divide(q, checked, newScale);
    Operand<TFloat32> newFloor = q.math.floor(newScaled);
    Operand<TFloat32> residual = q.math.sub(newScaled, newFloor);
    this.observe =
        q.withControlDependencies(
                List.of(
                    q.assign(scale, newScale),
                    q.assign(gridFloor, newFloor),
                    q.assign(v, RectifiedSigmoid.inverse(q, residual))))
            .withName("observe")
            .noOp();

    this.scaledWeight = ExactOps.divide(q, weight, scale);
    this.residual = q.math.sub(scaledWeight, gridFloor);
    this.softRoundingValue = RectifiedSigmoid.soft(q, v);
    this.hardRoundingValue = RectifiedSigmoid.hard(q, v);
    this.softOutput = onGrid(q.withName("soft_output"), softRoundingValue);
    this.hardOutput = onGrid(q.withName("hard_output"), hardRoundingValue);
    Operand<TFloat32> roundUp =
        q.dtypes.cast(q.math.greaterEqual(residual, ExactOps.constant(q, 0.5f)), TFloat32.class);
    this.nearestOutput = onGrid(q.withName("nearest_output"), roundUp);

    this.fakeQuantEnabled =
        q.withName("fake_quant_enabled").placeholderWithDefault(q.constant(true), Shape.scalar());
    this.softRounding =
        q.withName("soft_rounding").placeholderWithDefault(q.constant(true), Shape.scalar());
    Operand<TFloat32> passThrough =
        q.debugging.checkNumerics(weight, "weight '" + name + "' contains NaN or Inf");
    this.output =
        q.withName("output")
            .select(fakeQuantEnabled, q.select(softRounding, softOutput, hardOutput), passThrough);
  }

  /**
   * Builds the quantizer of {@code weight} into the graph of {@code tf}, under a sub-scope named
   * after the weight's operation.
   *
   * @param weight a constant or a variable of the caller's graph, with a fully known shape
   * @throws IllegalArgumentException if the spec does not fit the weight (channel axis out of
   *     bounds, unknown shape)
   */
  public static AdaroundFakeQuantizer create(Ops tf, Operand<TFloat32> weight, QuantSpec spec) {
    return create(tf, weight, spec, weight.op().name());
  }

  /** As {@link #create(Ops, Operand, QuantSpec)}, naming the weight in ops and messages. */
  public static AdaroundFakeQuantizer create(
      Ops tf, Operand<TFloat32> weight, QuantSpec spec, String weightName) {
    return new AdaroundFakeQuantizer(tf, weight, spec, weightName, null);
  }

  /**
   * As {@link #create(Ops, Operand, QuantSpec, String)}, with a grid chosen elsewhere (for example
   * by {@link MseScaleSearch}): observing takes these scales instead of the min-max observer's.
   *
   * @param scale one positive finite scale per channel (one per tensor), in channel order
   * @throws IllegalArgumentException if the count does not match the channels or a scale is not
   *     positive and finite
   */
  public static AdaroundFakeQuantizer createWithScale(
      Ops tf, Operand<TFloat32> weight, QuantSpec spec, String weightName, float[] scale) {
    return new AdaroundFakeQuantizer(tf, weight, spec, weightName, scale.clone());
  }

  private float[] checkScale(float[] fixedScale) {
    if (fixedScale.length != scaleShape.size()) {
      throw new IllegalArgumentException(
          "weight '"
              + weightName
              + "' has "
              + scaleShape.size()
              + " channels, got "
              + fixedScale.length
              + " scales");
    }
    for (float s : fixedScale) {
      if (!(s > 0) || Float.isInfinite(s)) {
        throw new IllegalArgumentException(
            "weight '" + weightName + "': scale " + s + " is not positive and finite");
      }
    }
    return fixedScale;
  }

  /** {@code clamp(floor(W/s) + rounding, qmin, qmax) * s}, in the reference's operation order. */
  private Operand<TFloat32> onGrid(Ops tf, Operand<TFloat32> rounding) {
    Operand<TFloat32> clamped =
        tf.clipByValue(
            tf.math.add(gridFloor, rounding),
            ExactOps.constant(tf, spec.quantMin()),
            ExactOps.constant(tf, spec.quantMax()));
    return tf.math.mul(clamped, scale);
  }

  private static int[] toInts(long[] dims) {
    return Arrays.stream(dims).mapToInt(Math::toIntExact).toArray();
  }

  /** Recomputes the scale and {@code floor(W/s)} from the weight and re-initialises V. */
  public Op observe() {
    return observe;
  }

  /** The rounding parameter V, a variable of the weight's shape. */
  public Variable<TFloat32> v() {
    return v;
  }

  /** The scale, shaped to broadcast against the weight (size 1 on every reduced axis). */
  public Variable<TFloat32> scale() {
    return scale;
  }

  /** The zero point, always 0 on this symmetric grid, shaped as {@link #scale()}. */
  public Operand<TInt32> zeroPoint() {
    return zeroPoint;
  }

  /** {@code floor(W / s)} as taken by the last {@link #observe()}. */
  public Variable<TFloat32> gridFloor() {
    return gridFloor;
  }

  /** {@code W / s} with the current scale. */
  public Operand<TFloat32> scaledWeight() {
    return scaledWeight;
  }

  /** {@code W / s - floor(W / s)}: the share of a grid step that rounding to nearest decides. */
  public Operand<TFloat32> residual() {
    return residual;
  }

  /** The soft rounding {@code h(V)} in [0, 1]. */
  public Operand<TFloat32> softRoundingValue() {
    return softRoundingValue;
  }

  /** The hard rounding {@code 1[V >= 0]}. */
  public Operand<TFloat32> hardRoundingValue() {
    return hardRoundingValue;
  }

  /** The soft-quantized weight, differentiable in V. */
  public Operand<TFloat32> softOutput() {
    return softOutput;
  }

  /**
   * The hard-quantized weight, exactly {@code scale * integer} with the integer in [qmin, qmax].
   */
  public Operand<TFloat32> hardOutput() {
    return hardOutput;
  }

  /**
   * The weight rounded to nearest on the same grid (halves up), the baseline AdaRound must beat:
   * {@code clamp(floor(W/s) + 1[W/s - floor(W/s) >= 0.5], qmin, qmax) * s}.
   */
  public Operand<TFloat32> nearestOutput() {
    return nearestOutput;
  }

  /** Run-time switch, default true: when fed false, {@link #output()} is the weight itself. */
  public PlaceholderWithDefault<TBool> fakeQuantEnabled() {
    return fakeQuantEnabled;
  }

  /** Run-time switch, default true: soft rounding when true, hard rounding when false. */
  public PlaceholderWithDefault<TBool> softRounding() {
    return softRounding;
  }

  /** The soft, hard or unquantized weight, as chosen by the two switches. */
  public Operand<TFloat32> output() {
    return output;
  }

  public String weightName() {
    return weightName;
  }

  public QuantSpec spec() {
    return spec;
  }

  public Shape weightShape() {
    return weightShape;
  }

  /** The shape of {@link #scale()} and {@link #zeroPoint()}. */
  public Shape scaleShape() {
    return scaleShape;
  }

  /** The number of scales: 1 per tensor, else the number of channels. */
  public long channelCount() {
    return scaleShape.size();
  }

  /** A summary in the manner of the reference's {@code extra_repr}. */
  @Override
  public String toString() {
    return "AdaroundFakeQuantizer(weight="
        + weightName
        + ", shape="
        + weightShape
        + ", quant_min="
        + spec.quantMin()
        + ", quant_max="
        + spec.quantMax()
        + ", qscheme="
        + spec.qscheme()
        + (spec.isPerChannel()
            ? ", ch_axis=" + Arrays.toString(spec.channelAxes()) + ", channels=" + channelCount()
            : "")
        + ", zeta="
        + RectifiedSigmoid.ZETA
        + ", gamma="
        + RectifiedSigmoid.GAMMA
        + ")";
  }
}
