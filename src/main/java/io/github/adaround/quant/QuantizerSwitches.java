package io.github.adaround.quant;

/**
 * The reference quantizer's three switches, as an immutable value.
 *
 * @param observerEnabled observing recomputes the scale and re-initialises V before the forward
 *     pass
 * @param fakeQuantEnabled when false, the output is the weight itself
 * @param softRounding soft rounding {@code h(V)} when true, hard rounding {@code 1[V >= 0]} when
 *     false
 */
record QuantizerSwitches(boolean observerEnabled, boolean fakeQuantEnabled, boolean softRounding) {

  /** The reference's state after construction: observing, fake-quantizing, soft. */
  public static final QuantizerSwitches INITIAL = new QuantizerSwitches(true, true, true);

  /** Training V: scale and V kept, soft rounding. */
  public static final QuantizerSwitches TRAINING = new QuantizerSwitches(false, true, true);

  /** After AdaRound: the hardened weight. */
  public static final QuantizerSwitches HARDENED = new QuantizerSwitches(false, true, false);

  public QuantizerSwitches withObserver(boolean enabled) {
    return new QuantizerSwitches(enabled, fakeQuantEnabled, softRounding);
  }

  public QuantizerSwitches withFakeQuant(boolean enabled) {
    return new QuantizerSwitches(observerEnabled, enabled, softRounding);
  }

  public QuantizerSwitches withSoftRounding(boolean soft) {
    return new QuantizerSwitches(observerEnabled, fakeQuantEnabled, soft);
  }
}
