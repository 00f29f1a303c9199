package io.github.adaround.sensitivity;

import java.util.SortedMap;

/**
 * One layer's measured sensitivity: the model's output distance from FP with that layer alone
 * quantized (to nearest) at each candidate bit width, every other layer FP32.
 *
 * @param name the layer op
 * @param op its type
 * @param weight the weight's name, as {@code --bits-per-layer} and {@code encodings.json} key it
 * @param size the weight's number of values
 * @param byBits the distance at each bit width
 */
public record LayerSensitivity(
    String name, String op, String weight, long size, SortedMap<Integer, OutputDistance> byBits) {}
