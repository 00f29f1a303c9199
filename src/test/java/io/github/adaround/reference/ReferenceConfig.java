package io.github.adaround.reference;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.github.adaround.loss.LossConfig;
import io.github.adaround.loss.Reduction;
import io.github.adaround.quant.MinMaxObserver;
import io.github.adaround.quant.QuantSpec;
import io.github.adaround.quant.RectifiedSigmoid;
import io.github.adaround.train.AdamConfig;

/**
 * The settings of a reference run, read from the vectors' {@code config} objects: the quantizer
 * ({@code qscheme}, {@code quant_min}, {@code quant_max}, {@code ch_axis}), the loss ({@code
 * max_iter}, {@code warm_start}, {@code beta_range}, {@code reg_param}) and {@code
 * torch.optim.Adam}'s arguments. A setting that this project does not implement (another {@code
 * zeta}, Adam's weight decay, ...) is refused with a message that names it, never replayed with a
 * different meaning.
 */
public final class ReferenceConfig {

  private ReferenceConfig() {}

  /** The grid of a quantizer config: per tensor, or per channel along {@code ch_axis}. */
  public static QuantSpec quantSpec(JsonObject quantizer) {
    requireValue(quantizer, "eps", MinMaxObserver.EPS);
    requireValue(quantizer, "zeta", RectifiedSigmoid.ZETA);
    requireValue(quantizer, "gamma", RectifiedSigmoid.GAMMA);
    QuantSpec spec =
        QuantSpec.range(
            required(quantizer, "quant_min").getAsInt(),
            required(quantizer, "quant_max").getAsInt());
    String scheme = required(quantizer, "qscheme").getAsString();
    return switch (scheme) {
      case "per_tensor_symmetric" -> spec;
      case "per_channel_symmetric" -> spec.perChannel(required(quantizer, "ch_axis").getAsInt());
      default -> throw new IllegalArgumentException("unsupported qscheme \"" + scheme + "\"");
    };
  }

  /** The reference loss ({@code AdaptiveRoundingLoss}): mean over all elements. */
  public static LossConfig loss(JsonObject loss) {
    if (loss.has("form") && !loss.get("form").getAsString().equals("reference")) {
      throw new IllegalArgumentException(
          "unsupported loss form \"" + loss.get("form").getAsString() + "\"");
    }
    JsonArray beta = required(loss, "beta_range").getAsJsonArray();
    return new LossConfig(
        required(loss, "reg_param").getAsDouble(),
        required(loss, "warm_start").getAsDouble(),
        beta.get(0).getAsDouble(),
        beta.get(1).getAsDouble(),
        Reduction.MEAN_ALL);
  }

  /** The loss's {@code max_iter}, the length of its beta schedule. */
  public static int maxIter(JsonObject loss) {
    return required(loss, "max_iter").getAsInt();
  }

  /** Adam's betas and epsilon; plain Adam only (no weight decay, no AMSGrad). */
  public static AdamConfig adam(JsonObject adam) {
    if (adam.has("weight_decay") && adam.get("weight_decay").getAsDouble() != 0) {
      throw new IllegalArgumentException(
          "unsupported Adam weight_decay " + adam.get("weight_decay").getAsDouble());
    }
    if (adam.has("amsgrad") && adam.get("amsgrad").getAsBoolean()) {
      throw new IllegalArgumentException("unsupported Adam amsgrad");
    }
    if (adam.has("maximize") && adam.get("maximize").getAsBoolean()) {
      throw new IllegalArgumentException("unsupported Adam maximize");
    }
    JsonArray betas = required(adam, "betas").getAsJsonArray();
    return new AdamConfig(
        betas.get(0).getAsFloat(), betas.get(1).getAsFloat(), required(adam, "eps").getAsFloat());
  }

  /** Adam's learning rate, {@code lr}. */
  public static float learningRate(JsonObject adam) {
    return required(adam, "lr").getAsFloat();
  }

  /** The object {@code key} of {@code parent}, or an error naming the file that lacks it. */
  public static JsonObject object(JsonObject parent, String key, String file) {
    if (!parent.has(key) || !parent.get(key).isJsonObject()) {
      throw new IllegalArgumentException(file + " has no \"" + key + "\" object");
    }
    return parent.getAsJsonObject(key);
  }

  private static JsonElement required(JsonObject o, String key) {
    if (!o.has(key) || o.get(key).isJsonNull()) {
      throw new IllegalArgumentException("config has no \"" + key + "\"");
    }
    return o.get(key);
  }

  private static void requireValue(JsonObject o, String key, float implemented) {
    if (o.has(key) && o.get(key).getAsFloat() != implemented) {
      throw new IllegalArgumentException(
          "unsupported "
              + key
              + " "
              + o.get(key).getAsFloat()
              + " (this project implements "
              + implemented
              + ")");
    }
  }
}
