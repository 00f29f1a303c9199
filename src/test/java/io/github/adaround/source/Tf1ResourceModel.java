package io.github.adaround.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.PlaceholderWithDefault;
import org.tensorflow.op.core.VarHandleOp;
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
 * A SavedModel laid out like TF 1.15's Keras exports (Teachable Machine): resource variables {@code
 * dense/kernel} (4x3) and {@code dense/bias}, the served ops {@code model/...} computing {@code y =
 * relu(x W + b)} from input {@code images} [-1, 4], a training copy of the same ops that reads the
 * same variables from another placeholder {@code input_1}, and a TF1 saver ({@code save/SaveV2},
 * {@code save/RestoreV2}, {@code AssignVariableOp}s) that the loader restores the variables with.
 */
public final class Tf1ResourceModel {

  /** The kernel's values, row-major. */
  public static final float[] KERNEL = {
    0.5f, -0.25f, 0.75f, -1f, 0.125f, 0.3f, 0.9f, -0.6f, 0.2f, -0.4f, 0.05f, 0.65f
  };

  /** The bias's values. */
  public static final float[] BIAS = {0.1f, -0.2f, 0.05f};

  private Tf1ResourceModel() {}

  /** Writes the model to {@code dir} and returns it. */
  public static Path export(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.withName("images").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Placeholder<TFloat32> other =
          tf.withName("input_1").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Ops dense = tf.withSubScope("dense");
      VarHandleOp kernel =
          dense
              .withName("kernel")
              .varHandleOp(TFloat32.class, Shape.of(4, 3), VarHandleOp.sharedName("dense/kernel"));
      VarHandleOp bias =
          dense
              .withName("bias")
              .varHandleOp(TFloat32.class, Shape.of(3), VarHandleOp.sharedName("dense/bias"));
      Operand<TFloat32> y = layer(tf.withSubScope("model"), x, kernel, bias);
      layer(tf.withSubScope("training_copy"), other, kernel, bias);

      Ops save = tf.withSubScope("save");
      PlaceholderWithDefault<TString> filename =
          save.withName("Const").placeholderWithDefault(save.constant("model"), Shape.scalar());
      Operand<TString> names =
          save.constant(Shape.of(2), DataBuffers.ofObjects("dense/bias", "dense/kernel"));
      Operand<TString> slices = save.constant(Shape.of(2), DataBuffers.ofObjects("", ""));
      var saveV2 =
          save.train.save(
              filename,
              names,
              slices,
              List.of(
                  save.readVariableOp(bias, TFloat32.class),
                  save.readVariableOp(kernel, TFloat32.class)));
      Operand<TString> saved =
          save.withControlDependencies(List.of(saveV2))
              .withName("control_dependency")
              .identity(filename);
      Restore restored =
          save.train.restore(filename, names, slices, List.of(TFloat32.class, TFloat32.class));
      save.withName("restore_all")
          .withControlDependencies(
              List.of(
                  save.assignVariableOp(bias, restored.tensors().get(0)),
                  save.assignVariableOp(kernel, restored.tensors().get(1))))
          .noOp();

      session
          .runner()
          .addTarget(
              tf.assignVariableOp(kernel, tf.constant(Shape.of(4, 3), DataBuffers.of(KERNEL))))
          .addTarget(tf.assignVariableOp(bias, tf.constant(BIAS)))
          .run();
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
                      .putInputs("images", tensor("images:0", -1, 4))
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

  private static Operand<TFloat32> layer(
      Ops scope, Operand<TFloat32> x, VarHandleOp kernel, VarHandleOp bias) {
    return scope.nn.relu(
        scope.nn.biasAdd(
            scope.linalg.matMul(x, scope.readVariableOp(kernel, TFloat32.class)),
            scope.readVariableOp(bias, TFloat32.class)));
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
