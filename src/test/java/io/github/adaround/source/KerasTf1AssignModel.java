package io.github.adaround.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * A SavedModel laid out like TF1 Keras graphs after {@code model.set_weights}: {@code VariableV2}
 * kernels {@code dense/kernel} (4x8) and {@code dense_1/kernel} (8x3) computing {@code y = relu(x
 * W) W1} from {@code x} [-1, 4]; per variable an {@code Assign} of a placeholder (Keras' {@code
 * assign_placeholder}, {@code Placeholder} and {@code Placeholder_1}, the second run after the
 * first as one batch), an initializer {@code Assign} from a constant, and a TF1 saver ({@code
 * save/SaveV2}, {@code save/RestoreV2}, {@code save/Assign}s) that the loader restores with. The
 * first assign of {@code dense_1/kernel} in graph order is the placeholder's, which cannot run
 * without {@code Placeholder} fed.
 */
public final class KerasTf1AssignModel {

  private KerasTf1AssignModel() {}

  /** Writes the model to {@code dir} and returns it. */
  public static Path export(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Random random = new Random(7);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Variable<TFloat32> kernel =
          named(tf, "dense/kernel").variable(Shape.of(4, 8), TFloat32.class);
      Variable<TFloat32> kernel1 =
          named(tf, "dense_1/kernel").variable(Shape.of(8, 3), TFloat32.class);
      Operand<TFloat32> hidden = named(tf, "dense/Relu").nn.relu(tf.linalg.matMul(x, kernel));
      Operand<TFloat32> y = named(tf, "dense_1/MatMul").linalg.matMul(hidden, kernel1);

      // set_weights: one placeholder and assign per variable, run as a batch.
      Assign<TFloat32> set =
          tf.withName("Assign").assign(kernel, placeholder(tf, "Placeholder", 4, 8));
      tf.withName("Assign_1")
          .withControlDependencies(List.of(set))
          .assign(kernel1, placeholder(tf, "Placeholder_1", 8, 3));
      Assign<TFloat32> init = initializer(tf, kernel, random, 4, 8);
      Assign<TFloat32> init1 = initializer(tf, kernel1, random, 8, 3);

      Ops save = tf.withSubScope("save");
      PlaceholderWithDefault<TString> filename =
          save.withName("Const").placeholderWithDefault(save.constant("model"), Shape.scalar());
      Operand<TString> names =
          save.constant(Shape.of(2), DataBuffers.ofObjects("dense/kernel", "dense_1/kernel"));
      Operand<TString> slices = save.constant(Shape.of(2), DataBuffers.ofObjects("", ""));
      var saveV2 = save.train.save(filename, names, slices, List.of(kernel, kernel1));
      Operand<TString> saved =
          save.withControlDependencies(List.of(saveV2))
              .withName("control_dependency")
              .identity(filename);
      Restore restored =
          save.train.restore(filename, names, slices, List.of(TFloat32.class, TFloat32.class));
      save.withName("restore_all")
          .withControlDependencies(
              List.of(
                  save.withName("Assign").assign(kernel, floats(restored.tensors().get(0))),
                  save.withName("Assign_1").assign(kernel1, floats(restored.tensors().get(1)))))
          .noOp();

      session.runner().addTarget(init).addTarget(init1).run();
      try (TString prefix =
          TString.scalarOf(dir.resolve("variables").resolve("variables").toString())) {
        session.runner().feed(filename, prefix).fetch(saved).run().close();
      }
      MetaGraphDef meta =
          MetaGraphDef.newBuilder()
              .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve"))
              .setGraphDef(graph.toGraphDef())
              .setSaverDef(
                  SaverDef.newBuilder()
                      .setFilenameTensorName("save/Const:0")
                      .setSaveTensorName("save/control_dependency:0")
                      .setRestoreOpName("save/restore_all")
                      .setVersion(SaverDef.CheckpointFormatVersion.V2))
              .putSignatureDef(
                  "serving_default",
                  SignatureDef.newBuilder()
                      .putInputs("x", tensor("x:0", -1, 4))
                      .putOutputs("y", tensor(y.op().name() + ":0", -1, 3))
                      .setMethodName("tensorflow/serving/predict")
                      .build())
              .build();
      Files.write(
          dir.resolve("saved_model.pb"),
          SavedModel.newBuilder()
              .setSavedModelSchemaVersion(1)
              .addMetaGraphs(meta)
              .build()
              .toByteArray());
    }
    return dir;
  }

  /** {@code tf} naming its next op {@code path}, whose slashes are scopes. */
  private static Ops named(Ops tf, String path) {
    String[] parts = path.split("/");
    Ops scope = tf;
    for (int i = 0; i < parts.length - 1; i++) {
      scope = scope.withSubScope(parts[i]);
    }
    return scope.withName(parts[parts.length - 1]);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> floats(Operand<?> restored) {
    return (Operand<TFloat32>) restored;
  }

  private static Placeholder<TFloat32> placeholder(Ops tf, String name, long... dims) {
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(dims)));
  }

  /** The {@code <variable>/Assign} of Glorot-like random values, as Keras' initializers. */
  private static Assign<TFloat32> initializer(
      Ops tf, Variable<TFloat32> variable, Random random, long... dims) {
    float[] values = new float[(int) Shape.of(dims).size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) random.nextGaussian() * 0.5f;
    }
    String name = variable.op().name();
    return named(tf, name + "/Assign")
        .assign(
            variable,
            named(tf, name + "/Initializer/value")
                .constant(Shape.of(dims), DataBuffers.of(values, true, false)));
  }

  private static TensorInfo tensor(String name, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long d : dims) {
      shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return TensorInfo.newBuilder()
        .setName(name)
        .setDtype(DataType.DT_FLOAT)
        .setTensorShape(shape)
        .build();
  }
}
