package io.github.adaround.remote;

import io.github.adaround.error.UserError;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.RemoteSession;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RunOptions;

/** Checks, before any work, that every worker address is of the form host:port and answers. */
public final class WorkerCheck {

  private WorkerCheck() {}

  /**
   * @param timeoutMs how long a worker may take to run a constant
   * @throws UserError naming the first address that is malformed or does not answer
   */
  public static void check(List<String> workers, long timeoutMs) {
    for (String w : workers) {
      int colon = w.lastIndexOf(':');
      boolean port = colon > 0 && w.substring(colon + 1).matches("[0-9]{1,5}");
      if (!port) {
        throw new UserError("--workers takes HOST:PORT,..., got '" + w + "'");
      }
    }
    for (String w : workers) {
      try (Graph g = new Graph()) {
        Ops tf = Ops.create(g);
        tf.withName("ping").constant(1f);
        ConfigProto config = ConfigProto.newBuilder().setOperationTimeoutInMs(timeoutMs).build();
        try (Session s = RemoteSession.open(g, "grpc://" + w, config)) {
          s.runner()
              .fetch("ping")
              .setOptions(RunOptions.newBuilder().setTimeoutInMs(timeoutMs).build())
              .run()
              .close();
        }
      } catch (RuntimeException e) {
        throw new UserError(
            "worker " + w + " does not answer (start it with: adaround worker --port PORT)", e);
      }
    }
  }
}
