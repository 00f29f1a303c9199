package io.github.adaround.remote;

import org.tensorflow.Server;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * A TensorFlow gRPC server: a cluster of one task, job {@value #JOB}, at {@code host:port}. It
 * lives until its process exits (TF-Java's {@link Server#stop()} is not implemented), so a worker
 * is a process of its own ({@code adaround worker}).
 */
public final class Worker {

  /** The job name every worker's cluster uses. */
  public static final String JOB = "worker";

  private final Server server;
  private final String address;

  private Worker(Server server, String address) {
    this.server = server;
    this.address = address;
  }

  /**
   * @param threads threads of each session's kernels, or 0 for TF's choice
   */
  public static Worker start(String host, int port, int threads) {
    String address = host + ":" + port;
    ConfigProto config =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(threads)
            .setInterOpParallelismThreads(threads)
            .build();
    ServerDef def =
        ServerDef.newBuilder()
            .setCluster(
                ClusterDef.newBuilder()
                    .addJob(JobDef.newBuilder().setName(JOB).putTasks(0, address)))
            .setJobName(JOB)
            .setTaskIndex(0)
            .setProtocol("grpc")
            .setDefaultSessionConfig(config)
            .build();
    Server server = new Server(def);
    server.start();
    return new Worker(server, address);
  }

  /** {@code host:port}. */
  public String address() {
    return address;
  }

  /** Blocks while the server runs. */
  public void join() {
    server.join();
  }
}
