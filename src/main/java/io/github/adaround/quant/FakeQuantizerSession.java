package io.github.adaround.quant;

import io.github.adaround.tf.TensorData;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.types.TBool;

/**
 * Runs an {@link AdaroundFakeQuantizer} in a session the way the reference module is called: a
 * forward pass under a set of {@link QuantizerSwitches}, and {@code calculate_qparams}.
 */
final class FakeQuantizerSession {

  private final Session session;
  private final AdaroundFakeQuantizer quantizer;

  public FakeQuantizerSession(Session session, AdaroundFakeQuantizer quantizer) {
    this.session = session;
    this.quantizer = quantizer;
  }

  /**
   * Observes the weight: scale, {@code floor(W/s)} and V are recomputed.
   *
   * @throws NonFiniteWeightException if the weight holds NaN or Inf (nothing is changed then)
   */
  public void observe() {
    try {
      session.run(quantizer.observe());
    } catch (TFInvalidArgumentException e) {
      if (e.getMessage() != null && e.getMessage().contains("contains NaN or Inf")) {
        throw new NonFiniteWeightException(quantizer.weightName());
      }
      throw e;
    }
  }

  /** One forward call: observes first when the observer is enabled, then returns the output. */
  public float[] forward(QuantizerSwitches switches) {
    if (switches.observerEnabled()) {
      observe();
    }
    try (TBool fakeQuant = TBool.scalarOf(switches.fakeQuantEnabled());
        TBool soft = TBool.scalarOf(switches.softRounding());
        Result result =
            session
                .runner()
                .feed(quantizer.fakeQuantEnabled(), fakeQuant)
                .feed(quantizer.softRounding(), soft)
                .fetch(quantizer.output())
                .run()) {
      return TensorData.floats(result.get(0));
    } catch (TFInvalidArgumentException e) {
      throw new NonFiniteWeightException(quantizer.weightName());
    }
  }

  /** The current scale and zero point, one entry per channel. */
  public QuantParams calculateQparams() {
    try (Result result =
        session.runner().fetch(quantizer.scale()).fetch(quantizer.zeroPoint()).run()) {
      return new QuantParams(TensorData.floats(result.get(0)), TensorData.ints(result.get(1)));
    }
  }

  public AdaroundFakeQuantizer quantizer() {
    return quantizer;
  }
}
