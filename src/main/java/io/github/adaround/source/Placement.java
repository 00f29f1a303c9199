package io.github.adaround.source;

import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Runs a model saved on any device on the machine at hand. Models exported on a GPU machine pin
 * their ops to devices such as {@code /device:GPU:0}, which TF refuses to place where there is no
 * such device. A loaded SavedModel's session places them softly (on the pinned device where it
 * exists, else on one that has the kernel); a graph this project imports itself (an inlined
 * signature, a frozen graph) has its device strings cleared first, so that TF places every op,
 * colocation groups included. The exported model keeps the input's graph as it was.
 */
final class Placement {

  /** The session options of every model session: soft placement. */
  static final ConfigProto SOFT = ConfigProto.newBuilder().setAllowSoftPlacement(true).build();

  private Placement() {}

  /** A session on {@code graph} that places pinned ops softly. */
  static Session session(Graph graph) {
    return new Session(graph, SOFT);
  }

  /** {@code graph} with the device of every node, in the graph and its functions, cleared. */
  static GraphDef withoutDevices(GraphDef graph) {
    GraphDef.Builder out = graph.toBuilder();
    for (NodeDef.Builder node : out.getNodeBuilderList()) {
      node.clearDevice();
    }
    for (FunctionDef.Builder function : out.getLibraryBuilder().getFunctionBuilderList()) {
      for (NodeDef.Builder node : function.getNodeDefBuilderList()) {
        node.clearDevice();
      }
    }
    return out.build();
  }
}
