package io.github.adaround.cli;

import io.github.adaround.error.UserError;
import io.github.adaround.remote.Worker;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adaround worker}: a TensorFlow gRPC server that runs jobs sent by other processes. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a TensorFlow server (TF's own gRPC runtime) in this process until it is killed."
          + " sensitivity --workers HOST:PORT,... sends each of its independent measurements to"
          + " one worker: the whole graph of the job, run in a session of its own.",
      "Start one per machine (or per group of cores); results are bit-identical to a local run"
          + " on the same kind of machine with the same --threads."
    })
final class WorkerCommand implements Callable<Integer> {

  @Option(
      names = "--port",
      required = true,
      paramLabel = "P",
      description = "TCP port to listen on (all interfaces).")
  private int port;

  @Option(
      names = "--host",
      paramLabel = "NAME",
      defaultValue = "localhost",
      description = "The name this worker is reached by (default: ${DEFAULT-VALUE}).")
  private String host;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "0",
      description = "Threads of each job's kernels (default: TF's choice, the machine's cores).")
  private int threads;

  @Override
  public Integer call() {
    if (port < 1 || port > 65535) {
      throw new UserError("--port must be in 1..65535, got " + port);
    }
    if (threads < 0) {
      throw new UserError("--threads must not be negative");
    }
    Worker worker = Worker.start(host, port, threads);
    System.out.println("worker listening on " + worker.address());
    System.out.flush();
    worker.join();
    return 0;
  }
}
