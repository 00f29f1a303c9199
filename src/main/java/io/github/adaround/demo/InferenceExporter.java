package io.github.adaround.demo;

import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Writes {@link FashionCnn} (or another {@link Architecture}) with given weights as a SavedModel: a
 * fresh, flat inference graph (no optimiser state) whose layers read {@code VariableV2} weights
 * named after the model's parameters, with signature {@code serving_default}: {@code input} float32
 * {@code [-1, 28, 28, 1]} to {@code logits} float32 {@code [-1, 10]}.
 */
public final class InferenceExporter {
  private InferenceExporter() {}

  /** Exports {@link FashionCnn} to {@code dir}, which must not exist or be empty. */
  public static void export(ModelParameters weights, Path dir) throws IOException {
    export(Architecture.CNN, weights, dir);
  }

  /**
   * Exports a model of {@code architecture} to {@code dir}, which must not exist or be empty; its
   * batch norms become {@code FusedBatchNormV3} with {@code is_training=false}.
   *
   * @param weights its trained tensors and batch-norm statistics
   */
  public static void export(Architecture architecture, ModelParameters weights, Path dir)
      throws IOException {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> input =
          tf.withName(FashionCnn.INPUT)
              .placeholder(TFloat32.class, Placeholder.shape(Shape.of(FashionCnn.INPUT_SHAPE)));
      LayerScopes scopes = new LayerScopes(tf);
      ParameterVariables variables = ParameterVariables.create(scopes, weights.parameters());
      Operand<TFloat32> logits =
          architecture
              .definition()
              .logits(scopes, input, variables.byName(), BatchNorms.inference());
      variables.load(session, weights);
      Signature signature =
          Signature.builder(FashionCnn.SIGNATURE)
              .input(FashionCnn.INPUT, input)
              .output(FashionCnn.OUTPUT, logits)
              .build();
      SavedModelBundle.exporter(dir.toString())
          .withSession(session)
          .withSignature(signature)
          .export();
    }
  }
}
