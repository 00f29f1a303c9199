package io.github.adaround.bench;

import io.github.adaround.tf.SessionThreads;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TInt64;

/**
 * The fixed cost of one {@code session.run} from Java, as every training step pays it: one scalar
 * fed (as the iteration is) into a graph that does nothing else with it. What an in-graph loop of
 * several steps per call could save at most.
 */
final class CallOverhead {

  private CallOverhead() {}

  /** Median microseconds of one call, over {@code repeats} repeats of {@code calls} calls. */
  public static double microsPerCall(SessionThreads threads, int calls, int repeats) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TInt64> fed = tf.placeholder(TInt64.class);
      Op target = tf.withControlDependencies(List.of(tf.identity(fed))).noOp();
      try (Session session = threads.open(graph)) {
        double ms =
            Timing.medianMillisPerUnit(
                n -> {
                  for (int i = 0; i < n; i++) {
                    try (TInt64 value = TInt64.scalarOf(i)) {
                      session.runner().feed(fed, value).addTarget(target).run();
                    }
                  }
                },
                calls,
                calls,
                repeats);
        return ms * 1000;
      }
    }
  }
}
