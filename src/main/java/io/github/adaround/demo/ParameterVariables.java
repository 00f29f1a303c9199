package io.github.adaround.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * One {@code VariableV2} per {@link Parameter}, named after it, and the ops that load their values
 * from Java: an {@code Assign} from a placeholder ({@code conv1/kernel_assign} from {@code
 * conv1/kernel_value}). No initialiser constants go into the graph, so an exported model stores its
 * weights once, in its checkpoint.
 */
final class ParameterVariables {
  private final List<Parameter> parameters;
  private final Map<String, Variable<TFloat32>> variables;
  private final Map<String, Placeholder<TFloat32>> feeds;
  private final List<Op> assigns;

  private ParameterVariables(
      List<Parameter> parameters,
      Map<String, Variable<TFloat32>> variables,
      Map<String, Placeholder<TFloat32>> feeds,
      List<Op> assigns) {
    this.parameters = parameters;
    this.variables = variables;
    this.feeds = feeds;
    this.assigns = assigns;
  }

  /** Creates the variables and their load ops. */
  static ParameterVariables create(LayerScopes scopes, List<Parameter> parameters) {
    Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
    Map<String, Placeholder<TFloat32>> feeds = new LinkedHashMap<>();
    List<Op> assigns = new ArrayList<>();
    for (Parameter p : parameters) {
      Ops layer = scopes.layer(p.layer());
      Variable<TFloat32> v = layer.withName(p.leafName()).variable(p.shape(), TFloat32.class);
      Placeholder<TFloat32> feed =
          layer
              .withName(p.leafName() + "_value")
              .placeholder(TFloat32.class, Placeholder.shape(p.shape()));
      variables.put(p.name(), v);
      feeds.put(p.name(), feed);
      assigns.add(layer.withName(p.leafName() + "_assign").assign(v, feed));
    }
    return new ParameterVariables(List.copyOf(parameters), variables, feeds, assigns);
  }

  /** The variables by parameter name. */
  Map<String, Variable<TFloat32>> byName() {
    return variables;
  }

  /** Writes {@code values} into the variables. */
  void load(Session session, ModelParameters values) {
    Session.Runner runner = session.runner();
    List<Tensor> tensors = new ArrayList<>();
    try {
      for (Parameter p : parameters) {
        TFloat32 t =
            TFloat32.tensorOf(p.shape(), DataBuffers.of(values.values(p.name()), true, false));
        tensors.add(t);
        runner.feed(feeds.get(p.name()), t);
      }
      assigns.forEach(runner::addTarget);
      runner.run().close();
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  /** Copies the variables' current values out of the session. */
  ModelParameters read(Session session) {
    Session.Runner runner = session.runner();
    parameters.forEach(p -> runner.fetch(variables.get(p.name())));
    Map<String, float[]> values = new LinkedHashMap<>();
    try (var result = runner.run()) {
      for (int i = 0; i < parameters.size(); i++) {
        Parameter p = parameters.get(i);
        float[] v = new float[p.size()];
        // The fetched tensor aliases the live variable: copy it before anything else runs.
        ((TFloat32) result.get(i)).copyTo(DataBuffers.of(v, false, false));
        values.put(p.name(), v);
      }
    }
    return new ModelParameters(parameters, values);
  }
}
