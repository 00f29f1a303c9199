package io.github.adaround.engine;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.adaround.config.QuantizeConfig;
import io.github.adaround.data.Calibration;
import io.github.adaround.data.CalibrationInput;
import io.github.adaround.error.UserError;
import io.github.adaround.export.LayerReport;
import io.github.adaround.quant.Grid;
import io.github.adaround.source.Folders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The state of an unfinished run, kept in a work folder so that a killed run can continue: after
 * each finished layer its report and hardened weight are written (each file atomically, the state
 * file last). A run only continues from a state with the same fingerprint (same model, data and
 * options), so a resumed run ends byte-identical to an uninterrupted one.
 */
public final class RunState {

  private static final String STATE = "state.json";

  /** A finished layer: what was reported and the weight written into the model. */
  record Finished(LayerReport report, float[] hardened) {}

  private final Path folder;
  private final String fingerprint;

  private RunState(Path folder, String fingerprint) {
    this.folder = folder;
    this.fingerprint = fingerprint;
  }

  /** The state of the run of {@code config} on this model and data, kept in {@code folder}. */
  public static RunState of(
      Path folder, Path modelDir, Calibration calibration, QuantizeConfig config)
      throws IOException {
    return new RunState(folder, fingerprint(modelDir, calibration, config));
  }

  /**
   * SHA-256 of everything that decides a run's result: the model's files, the calibration samples
   * and the options.
   */
  private static String fingerprint(Path modelDir, Calibration calibration, QuantizeConfig config)
      throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(modelDir)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    byte[] buffer = new byte[1 << 16];
    for (Path file : files) {
      digest.update(modelDir.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
      try (InputStream in = Files.newInputStream(file)) {
        for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
          digest.update(buffer, 0, n);
        }
      }
    }
    for (CalibrationInput input : calibration.inputs()) {
      digest.update(String.valueOf(input.name()).getBytes(StandardCharsets.UTF_8));
      digest.update(Arrays.toString(input.sampleShape()).getBytes(StandardCharsets.UTF_8));
      digest.update(bytes(input.samples()));
      digest.update(bytes(input.heldBack()));
    }
    // Neither the cache size nor the allowed ops change the result.
    QuantizeConfig options = config.toBuilder().cacheBytes(0).allowedOps(Set.of()).build();
    digest.update(options.toString().getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest.digest());
  }

  public Path folder() {
    return folder;
  }

  /** Whether a state was left by an earlier run. */
  public boolean exists() {
    return Files.exists(folder.resolve(STATE));
  }

  /**
   * The layers an earlier run finished, in order.
   *
   * @throws UserError if that run had other inputs or options
   */
  List<Finished> restore() throws IOException {
    if (!exists()) {
      return List.of();
    }
    JsonObject state;
    String recorded;
    JsonArray layers;
    try {
      state = JsonParser.parseString(Files.readString(folder.resolve(STATE))).getAsJsonObject();
      recorded = state.get("fingerprint").getAsString();
      layers = state.getAsJsonArray("layers");
    } catch (RuntimeException e) {
      throw damaged(e);
    }
    if (!recorded.equals(fingerprint)) {
      throw new UserError(
          "the unfinished run in "
              + folder
              + " had other inputs or options; start again without --resume (with --force)");
    }
    List<Finished> done = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      LayerReport report;
      try {
        report = fromJson(layers.get(i).getAsJsonObject());
      } catch (RuntimeException e) {
        throw damaged(e);
      }
      Path weights = folder.resolve(weightFile(i));
      if (!Files.isRegularFile(weights)) {
        throw damaged(null);
      }
      done.add(new Finished(report, readFloats(weights)));
    }
    return done;
  }

  /**
   * The error of a state file that this tool did not write as it is (it writes each file whole):
   * edited, truncated by a full disk, or missing a layer's weights. Gson's accessors throw
   * unchecked exceptions (or return null) for missing and mistyped fields; all of them mean this.
   */
  private UserError damaged(RuntimeException cause) {
    return new UserError(
        folder.resolve(STATE)
            + " is not a run state this tool wrote (damaged or edited); start again with --force",
        cause);
  }

  /** Records the layers finished so far (the last one new). */
  void record(List<Finished> finished) throws IOException {
    Files.createDirectories(folder);
    int last = finished.size() - 1;
    writeAtomically(folder.resolve(weightFile(last)), bytes(finished.get(last).hardened()));
    JsonObject state = new JsonObject();
    state.addProperty("fingerprint", fingerprint);
    JsonArray layers = new JsonArray();
    finished.forEach(f -> layers.add(toJson(f.report())));
    state.add("layers", layers);
    writeAtomically(
        folder.resolve(STATE),
        new GsonBuilder()
            .setPrettyPrinting()
            .create()
            .toJson(state)
            .getBytes(StandardCharsets.UTF_8));
  }

  /** Removes the work folder. */
  public void discard() throws IOException {
    Folders.deleteRecursively(folder);
  }

  private static String weightFile(int layer) {
    return "layer-" + layer + ".f32";
  }

  private void writeAtomically(Path file, byte[] content) throws IOException {
    Path temporary = Files.createTempFile(folder, ".", ".tmp");
    Files.write(temporary, content);
    Files.move(
        temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static byte[] bytes(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }

  private static float[] readFloats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[b.remaining() / 4];
    b.asFloatBuffer().get(values);
    return values;
  }

  /** Floats as their bits, doubles as their bits: the state restores exactly. */
  private static JsonObject toJson(LayerReport r) {
    JsonObject o = new JsonObject();
    LayerReport.Layer layer = r.layer();
    o.addProperty("name", layer.name());
    o.addProperty("op", layer.op());
    o.addProperty("weight", layer.weight());
    o.add("shape", longs(layer.shape()));
    o.addProperty("grid", r.grid().grid().name());
    o.addProperty("bits", r.grid().bits());
    JsonArray scale = new JsonArray();
    for (float s : r.grid().scale()) {
      scale.add(Float.floatToRawIntBits(s));
    }
    o.add("scale_bits", scale);
    o.add("scale_shape", longs(r.grid().scaleShape()));
    o.addProperty("nearest_error_bits", Double.doubleToRawLongBits(r.errors().nearest()));
    o.addProperty("adaround_error_bits", Double.doubleToRawLongBits(r.errors().adaround()));
    LayerReport.Rounding rounding = r.rounding();
    o.addProperty("soft_share_bits", Double.doubleToRawLongBits(rounding.softShare()));
    o.addProperty("changed_from_nearest", rounding.changedFromNearest());
    o.addProperty("rounding", rounding.exported());
    o.addProperty("objective", rounding.objective());
    if (rounding.note() != null) {
      o.addProperty("note", rounding.note());
    }
    o.addProperty("seconds", r.seconds());
    return o;
  }

  private static LayerReport fromJson(JsonObject o) {
    JsonArray scaleBits = o.getAsJsonArray("scale_bits");
    float[] scale = new float[scaleBits.size()];
    for (int i = 0; i < scale.length; i++) {
      scale[i] = Float.intBitsToFloat(scaleBits.get(i).getAsInt());
    }
    JsonElement note = o.get("note");
    return new LayerReport(
        new LayerReport.Layer(
            o.get("name").getAsString(),
            o.get("op").getAsString(),
            o.get("weight").getAsString(),
            toLongs(o.getAsJsonArray("shape"))),
        new LayerReport.Scales(
            Grid.valueOf(o.get("grid").getAsString()),
            o.get("bits").getAsInt(),
            scale,
            toLongs(o.getAsJsonArray("scale_shape"))),
        new LayerReport.Errors(
            Double.longBitsToDouble(o.get("nearest_error_bits").getAsLong()),
            Double.longBitsToDouble(o.get("adaround_error_bits").getAsLong())),
        new LayerReport.Rounding(
            o.get("rounding").getAsString(),
            o.get("objective").getAsString(),
            Double.longBitsToDouble(o.get("soft_share_bits").getAsLong()),
            o.get("changed_from_nearest").getAsLong(),
            note == null ? null : note.getAsString()),
        o.get("seconds").getAsDouble());
  }

  private static JsonArray longs(long[] values) {
    JsonArray a = new JsonArray();
    for (long v : values) {
      a.add(v);
    }
    return a;
  }

  private static long[] toLongs(JsonArray a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsLong();
    }
    return out;
  }
}
