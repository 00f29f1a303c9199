package io.github.adaround.remote;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntConsumer;
import org.tensorflow.Graph;
import org.tensorflow.RemoteSession;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;

/**
 * Runs independent jobs on one graph, each in a session on one of the workers (TF's gRPC runtime),
 * at most one job per worker at a time, or in a local session when there are no workers. A job that
 * fails on a worker (the worker died, or did not answer within the timeout) is run again on
 * another, or locally once every worker has failed; that worker takes no more jobs. Results come
 * back in the order of the jobs, whoever ran them.
 */
public final class JobPool {

  /** One job: what it computes in a session of the pool's graph. */
  @FunctionalInterface
  public interface Job<R> {
    R run(Session session);
  }

  private final GraphDef graph;
  private final List<String> workers;
  private final ConfigProto config;
  private final PrintStream notes;

  /**
   * @param workers {@code host:port} of each worker; empty to run everything locally
   * @param config the sessions' configuration, locally and on the workers (threads: the same on
   *     both for bit-identical results); its operation timeout bounds each run, after which the
   *     worker counts as failed (TF's gRPC runtime keeps retrying a worker that is gone)
   * @param notes where a failed worker is reported, one line each
   */
  public JobPool(GraphDef graph, List<String> workers, ConfigProto config, PrintStream notes) {
    this.graph = graph;
    this.workers = List.copyOf(workers);
    this.config = config;
    this.notes = notes;
  }

  /**
   * Runs every job once (again elsewhere when a worker fails) and returns their results in order.
   *
   * @param done told the index of each job as it finishes
   */
  public <R> List<R> run(List<Job<R>> jobs, IntConsumer done) throws InterruptedException {
    AtomicReferenceArray<R> results = new AtomicReferenceArray<>(jobs.size());
    ConcurrentLinkedDeque<Integer> queue = new ConcurrentLinkedDeque<>();
    for (int i = 0; i < jobs.size(); i++) {
      queue.add(i);
    }
    List<Thread> threads = new ArrayList<>();
    for (String worker : workers) {
      Thread t = new Thread(() -> serve(worker, jobs, queue, results, done), "adaround-" + worker);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    if (!queue.isEmpty()) {
      try (Graph g = graph();
          Session session = new Session(g, config)) {
        for (Integer i = queue.poll(); i != null; i = queue.poll()) {
          results.set(i, jobs.get(i).run(session));
          done.accept(i);
        }
      }
    }
    List<R> out = new ArrayList<>();
    for (int i = 0; i < jobs.size(); i++) {
      out.add(results.get(i));
    }
    return out;
  }

  private <R> void serve(
      String worker,
      List<Job<R>> jobs,
      ConcurrentLinkedDeque<Integer> queue,
      AtomicReferenceArray<R> results,
      IntConsumer done) {
    try (Graph g = graph();
        Session session = RemoteSession.open(g, "grpc://" + worker, config)) {
      for (Integer i = queue.poll(); i != null; i = queue.poll()) {
        try {
          results.set(i, jobs.get(i).run(session));
        } catch (RuntimeException e) {
          queue.addFirst(i);
          notes.println(
              "note: worker " + worker + " failed (" + firstLine(e) + "); its job runs elsewhere");
          return;
        }
        done.accept(i);
      }
    } catch (RuntimeException e) {
      notes.println("note: worker " + worker + " failed (" + firstLine(e) + ")");
    }
  }

  private Graph graph() {
    Graph g = new Graph();
    g.importGraphDef(graph);
    return g;
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
