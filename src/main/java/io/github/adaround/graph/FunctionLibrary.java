package io.github.adaround.graph;

import io.github.adaround.error.UserError;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.FunctionDefLibrary;
import org.tensorflow.proto.NodeDef;

/**
 * The functions of a graph's library by name, and which of them a node calls: through a function
 * attribute ({@code f} of {@code StatefulPartitionedCall}, the branches of {@code If}, ...) or by
 * using a function's name as its op type.
 */
public final class FunctionLibrary {

  private final Map<String, FunctionDef> functions = new LinkedHashMap<>();

  public FunctionLibrary(FunctionDefLibrary library) {
    for (FunctionDef function : library.getFunctionList()) {
      functions.put(function.getSignature().getName(), function);
    }
  }

  /** Whether the library defines {@code name}. */
  public boolean contains(String name) {
    return functions.containsKey(name);
  }

  /**
   * @throws UserError if the library does not define {@code name}
   */
  public FunctionDef get(String name) {
    FunctionDef function = functions.get(name);
    if (function == null) {
      throw new UserError("the graph's library has no function '" + name + "'");
    }
    return function;
  }

  /** Every function, in the library's order. */
  public Collection<FunctionDef> all() {
    return functions.values();
  }

  /** The library's functions that {@code node} calls directly. */
  public Set<String> calledBy(NodeDef node) {
    Set<String> called = new LinkedHashSet<>();
    if (functions.containsKey(node.getOp())) {
      called.add(node.getOp());
    }
    for (AttrValue value : node.getAttrMap().values()) {
      if (value.hasFunc()) {
        called.add(value.getFunc().getName());
      }
      value.getList().getFuncList().forEach(f -> called.add(f.getName()));
    }
    called.retainAll(functions.keySet());
    return called;
  }

  /** {@code roots} and every function that their bodies call, directly or not. */
  public Set<String> closure(Set<String> roots) {
    Set<String> seen = new LinkedHashSet<>();
    Deque<String> pending = new ArrayDeque<>(roots);
    while (!pending.isEmpty()) {
      String name = pending.pop();
      if (!functions.containsKey(name) || !seen.add(name)) {
        continue;
      }
      for (NodeDef node : functions.get(name).getNodeDefList()) {
        pending.addAll(calledBy(node));
      }
    }
    return seen;
  }
}
