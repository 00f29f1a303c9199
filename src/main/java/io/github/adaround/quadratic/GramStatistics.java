package io.github.adaround.quadratic;

/**
 * What a linear layer's reconstruction error over a whole calibration set depends on, summed over
 * every output position (row) of every sample, per group {@code g} of its {@link PatchLayout}:
 *
 * <pre>
 *   A_g = sum_rows p p^T                 [depth, depth]   Gram matrix of the patches
 *   R_g = sum_rows p e^T                 [depth, width]   e = p W_g + b - y, the FP weight's error
 *   c   = sum_rows ||e||^2                                 over every group
 * </pre>
 *
 * so that for any weight {@code W~ = W + D}: {@code sum_rows ||p W~ + b - y||^2 = sum_g (tr(D_g^T
 * A_g D_g) + 2 tr(D_g^T R_g)) + c}.
 *
 * @param layout the layer's patches
 * @param gram the {@code A_g}, {@code [groups, depth, depth]} row-major
 * @param cross the {@code R_g}, {@code [groups, depth, width]} row-major
 * @param residual {@code c}
 * @param rows output positions summed over (samples times positions per sample)
 */
public record GramStatistics(
    PatchLayout layout, float[] gram, float[] cross, double residual, long rows) {

  public GramStatistics {
    long groups = layout.groups();
    if (gram.length != groups * layout.depth() * layout.depth()
        || cross.length != groups * layout.depth() * layout.width()) {
      throw new IllegalArgumentException("statistics do not fit the layout " + layout);
    }
    gram = gram.clone();
    cross = cross.clone();
  }

  @Override
  public float[] gram() {
    return gram.clone();
  }

  @Override
  public float[] cross() {
    return cross.clone();
  }
}
