package org.tensorflow;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * A {@link Session} of a graph on a TensorFlow server reached over gRPC ({@code grpc://host:port}),
 * which TF-Java 1.1.0's public constructors do not make: its {@code Session(Graph, ConfigProto)}
 * ignores a target. Lives in package {@code org.tensorflow} for the package-private constructor
 * {@code Session(Graph, TF_Session)}; the graph is sent to the server when the session first runs
 * it. Such a session does not initialize variables by itself.
 */
public final class RemoteSession {

  private RemoteSession() {}

  /**
   * @param target {@code grpc://host:port} of a server started by {@link Server}
   * @param config the session's configuration (threads, timeouts, state isolation)
   */
  public static Session open(Graph graph, String target, ConfigProto config) {
    try (PointerScope scope = new PointerScope();
        Graph.Reference ref = graph.ref()) {
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
      TF_SetTarget(options, target);
      byte[] bytes = config.toByteArray();
      TF_SetConfig(options, new BytePointer(bytes), bytes.length, status);
      status.throwExceptionIfNotOK();
      TF_Session session = TF_Session.newSession(ref.nativeHandle(), options, status);
      status.throwExceptionIfNotOK();
      session.retainReference();
      return new Session(graph, session);
    }
  }
}
