package io.github.adaround.tf;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/**
 * TF's CPU thread pools for a session: {@code intraOp} threads split one kernel (a MatMul, a
 * convolution, a large elementwise op), {@code interOp} threads run independent kernels side by
 * side; 0 lets TF choose (one per core for each). TF sizes its process-wide pools from the first
 * session of the process: the kernel pool ({@code intraOp}) is the session's own only when the
 * environment variable {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1} was set before TF started, and the
 * inter-op pool always stays the first session's.
 *
 * @param intraOp threads within one kernel, 0 for TF's default
 * @param interOp kernels run at once, 0 for TF's default
 */
public record SessionThreads(int intraOp, int interOp) {

  /** TF's own choice. */
  static final SessionThreads TF_DEFAULT = new SessionThreads(0, 0);

  public SessionThreads {
    if (intraOp < 0 || interOp < 0) {
      throw new IllegalArgumentException(
          "thread counts must not be negative, got " + intraOp + " and " + interOp);
    }
  }

  /** A session on {@code graph} with these pools. */
  public Session open(Graph graph) {
    return new Session(
        graph,
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(intraOp)
            .setInterOpParallelismThreads(interOp)
            .build());
  }
}
