package io.github.adaround.export;

import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Scalars written as TensorBoard event files by TF's own summary ops, in a small graph of its own:
 * {@code tensorboard --logdir OUT/logs} shows each layer's loss curves.
 */
public final class TensorBoardLog implements AutoCloseable {

  private final Graph graph = new Graph();
  private final Session session;
  private final Placeholder<TString> tag;
  private final Placeholder<TInt64> step;
  private final Placeholder<TFloat32> value;
  private final Op write;
  private final Op flush;
  private final Op close;

  public TensorBoardLog(Path logDir) {
    Ops tf = Ops.create(graph);
    SummaryWriter writer = tf.summary.summaryWriter(SummaryWriter.sharedName("adaround"));
    Op create =
        tf.summary.createSummaryFileWriter(
            writer,
            tf.constant(logDir.toString()),
            tf.constant(1000),
            tf.constant(10_000),
            tf.constant(".adaround"));
    this.tag = tf.placeholder(TString.class);
    this.step = tf.placeholder(TInt64.class);
    this.value = tf.placeholder(TFloat32.class);
    this.write = tf.summary.writeScalarSummary(writer, step, tag, value);
    this.flush = tf.summary.flushSummaryWriter(writer);
    this.close = tf.summary.closeSummaryWriter(writer);
    this.session = new Session(graph);
    session.run(create);
  }

  /** Records {@code scalar} under the tag {@code name} at {@code iteration}. */
  public void scalar(String name, long iteration, float scalar) {
    try (TString t = TString.scalarOf(name);
        TInt64 s = TInt64.scalarOf(iteration);
        TFloat32 v = TFloat32.scalarOf(scalar)) {
      session.runner().feed(tag, t).feed(step, s).feed(value, v).addTarget(write).run().close();
    }
  }

  @Override
  public void close() {
    session.run(flush);
    session.run(close);
    session.close();
    graph.close();
  }
}
