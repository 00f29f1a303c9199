package io.github.adaround.remote;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code adaround worker} processes on loopback, started by a test and destroyed by {@link
 * #close()}: each is a JVM of its own on the test's class path, on a free port, ready once it has
 * printed its address.
 */
public final class WorkerProcesses implements AutoCloseable {

  private final List<Process> processes = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();

  /** Starts {@code count} workers of one kernel thread each. */
  public static WorkerProcesses start(int count) throws IOException {
    WorkerProcesses w = new WorkerProcesses();
    try {
      for (int i = 0; i < count; i++) {
        w.startOne();
      }
    } catch (IOException | RuntimeException e) {
      w.close();
      throw e;
    }
    return w;
  }

  private void startOne() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "io.github.adaround.cli.AdaroundCli",
                "worker",
                "--port",
                Integer.toString(port),
                "--threads",
                "1")
            .redirectErrorStream(true);
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process p = pb.start();
    processes.add(p);
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String expected = "worker listening on localhost:" + port;
    for (String line = out.readLine(); ; line = out.readLine()) {
      if (line == null) {
        throw new IOException("worker on port " + port + " ended before it listened");
      }
      if (line.equals(expected)) {
        break;
      }
    }
    Thread drain =
        new Thread(
            () -> {
              try {
                while (out.readLine() != null) {}
              } catch (IOException e) {
                // the process ended
              }
            });
    drain.setDaemon(true);
    drain.start();
    addresses.add("localhost:" + port);
  }

  /** {@code localhost:port} of each worker. */
  public List<String> addresses() {
    return List.copyOf(addresses);
  }

  /** Kills worker {@code i} at once, as a crash would. */
  public void kill(int i) {
    processes.get(i).destroyForcibly();
  }

  @Override
  public void close() {
    processes.forEach(Process::destroyForcibly);
  }
}
