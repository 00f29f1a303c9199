package io.github.adaround.cli;

import static io.github.adaround.cli.AdaroundCliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.adaround.cli.AdaroundCliTest.Run;
import io.github.adaround.remote.JobPool;
import io.github.adaround.remote.WorkerProcesses;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * Workers: separate processes running TF's gRPC runtime. The sensitivity measured through two of
 * them is byte for byte the local one; a worker killed in the middle of a run has its job rerun
 * elsewhere, and the results are still the local ones; an address that does not answer is refused
 * in one sentence before any work.
 */
class WorkersTest {
  @TempDir Path dir;

  private static final String SUBSET =
      Path.of("src", "main", "resources", "fashion-mnist-subset").toString();

  private Run sensitivity(Path out, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "sensitivity",
                "--model",
                "models/fashion-mnist-cnn",
                "--out",
                out.toString(),
                "--data-dir",
                SUBSET,
                "--calibration",
                "64",
                "--bits",
                "2,4",
                "--per-channel",
                "--threads",
                "1"));
    args.addAll(List.of(extra));
    return run(args.toArray(String[]::new));
  }

  @Test
  void theSensitivityMeasuredOnTwoWorkersIsTheLocalOne() throws Exception {
    Path local = dir.resolve("local");
    assertEquals(0, sensitivity(local).status());
    try (WorkerProcesses workers = WorkerProcesses.start(2)) {
      Path remote = dir.resolve("remote");
      Run r = sensitivity(remote, "--workers", String.join(",", workers.addresses()));

      assertEquals(0, r.status(), r.err());
      assertTrue(r.err().contains("on 2 workers"), r.err());
      assertArrayEquals(
          Files.readAllBytes(local.resolve("sensitivity.json")),
          Files.readAllBytes(remote.resolve("sensitivity.json")));
    }
  }

  @Test
  void aWorkerKilledInTheMiddleHasItsJobsRunElsewhereAndTheResultsStayTheSame() throws Exception {
    GraphDef graph = squareGraph();
    ConfigProto config =
        ConfigProto.newBuilder()
            .setIntraOpParallelismThreads(1)
            .setInterOpParallelismThreads(1)
            .setOperationTimeoutInMs(5000)
            .build();
    List<JobPool.Job<Float>> jobs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      jobs.add(square(i));
    }
    List<Float> local = new JobPool(graph, List.of(), config, System.err).run(jobs, i -> {});
    try (WorkerProcesses workers = WorkerProcesses.start(2)) {
      AtomicBoolean killed = new AtomicBoolean();
      List<JobPool.Job<Float>> killing = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        JobPool.Job<Float> job = square(i);
        boolean kills = i == 3;
        killing.add(
            session -> {
              if (kills && killed.compareAndSet(false, true)) {
                workers.kill(1);
              }
              return job.run(session);
            });
      }
      ByteArrayOutputStream notes = new ByteArrayOutputStream();
      List<Float> remote =
          new JobPool(
                  graph,
                  workers.addresses(),
                  config,
                  new PrintStream(notes, true, StandardCharsets.UTF_8))
              .run(killing, i -> {});

      assertEquals(local, remote);
      assertTrue(killed.get());
      assertTrue(
          notes.toString(StandardCharsets.UTF_8).contains("worker " + workers.addresses().get(1)),
          "the failed worker is reported: " + notes);
    }
  }

  @Test
  void aWorkerThatDoesNotAnswerIsRefusedBeforeAnyWork() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run r = sensitivity(dir.resolve("s"), "--workers", "localhost:" + port);

    assertEquals(1, r.status());
    assertEquals(
        "adaround sensitivity: worker localhost:"
            + port
            + " does not answer (start it with: adaround worker --port PORT)",
        r.err().strip());
  }

  /** {@code y = x * x}, a little slow so that a worker is busy when the other dies. */
  private static GraphDef squareGraph() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x =
          tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(256, 256)));
      tf.withName("y").math.mean(tf.linalg.matMul(x, x), tf.constant(new int[] {0, 1}));
      return g.toGraphDef();
    }
  }

  private static JobPool.Job<Float> square(int i) {
    return session -> {
      try (TFloat32 x = TFloat32.tensorOf(Shape.of(256, 256), b -> fill(b, i));
          Result r = session.runner().feed("x", x).fetch("y").run()) {
        return ((TFloat32) r.get(0)).getFloat();
      }
    };
  }

  private static void fill(org.tensorflow.ndarray.FloatNdArray b, int i) {
    b.scalars().forEachIndexed((idx, s) -> s.setFloat((float) Math.sin(idx[0] * 0.1 + idx[1] + i)));
  }
}
