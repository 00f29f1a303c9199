package io.github.adaround.sensitivity;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * {@code sensitivity.png}: on the left each layer's output SQNR against its bit width (one line per
 * layer, the others FP32); on the right the size-accuracy front, predicted output SQNR against the
 * average bits per weight, with the uniform widths marked.
 */
public final class SensitivityChart {

  private static final int W = 1200;
  private static final int H = 520;
  private static final int PAD = 60;
  private static final Color[] PALETTE = {
    new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
    new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75),
    new Color(227, 119, 194), new Color(127, 127, 127), new Color(188, 189, 34),
    new Color(23, 190, 207)
  };

  private SensitivityChart() {}

  public static void write(
      Path file, List<LayerSensitivity> layers, List<BitAllocation.Choice> front)
      throws IOException {
    BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, W, H);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    double minBits = Double.POSITIVE_INFINITY;
    double maxBits = Double.NEGATIVE_INFINITY;
    double maxDb = 0;
    for (LayerSensitivity l : layers) {
      for (Map.Entry<Integer, OutputDistance> e : l.byBits().entrySet()) {
        minBits = Math.min(minBits, e.getKey());
        maxBits = Math.max(maxBits, e.getKey());
        maxDb = Math.max(maxDb, finite(e.getValue().sqnrDb()));
      }
    }
    for (BitAllocation.Choice c : front) {
      maxDb = Math.max(maxDb, finite(-10 * Math.log10(Math.max(c.cost(), 1e-30))));
    }
    maxDb = Math.ceil(maxDb / 10) * 10 + 10;
    Panel left = new Panel(PAD, W / 2 - PAD / 2, minBits, maxBits, maxDb);
    Panel right = new Panel(W / 2 + PAD, W - PAD / 2, minBits, maxBits, maxDb);
    left.axes(g, "layer's bits (that layer alone quantized)", "output SQNR, dB");
    right.axes(g, "average bits per weight (size-accuracy front)", "predicted output SQNR, dB");
    for (int i = 0; i < layers.size(); i++) {
      LayerSensitivity l = layers.get(i);
      g.setColor(PALETTE[i % PALETTE.length]);
      g.setStroke(new BasicStroke(2f));
      int[] prev = null;
      for (Map.Entry<Integer, OutputDistance> e : l.byBits().entrySet()) {
        int[] p = left.at(e.getKey(), finite(e.getValue().sqnrDb()));
        g.fillOval(p[0] - 3, p[1] - 3, 6, 6);
        if (prev != null) {
          g.drawLine(prev[0], prev[1], p[0], p[1]);
        }
        prev = p;
      }
      g.drawString(l.weight(), left.x1 - 190, H - PAD - 12 - 14 * (layers.size() - 1 - i));
    }
    long size = layers.stream().mapToLong(LayerSensitivity::size).sum();
    g.setColor(new Color(31, 119, 180));
    int[] prev = null;
    for (BitAllocation.Choice c : front) {
      int[] p =
          right.at(
              (double) c.totalBits() / size, finite(-10 * Math.log10(Math.max(c.cost(), 1e-30))));
      g.fillOval(p[0] - 2, p[1] - 2, 4, 4);
      if (prev != null) {
        g.drawLine(prev[0], prev[1], p[0], p[1]);
      }
      prev = p;
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static double finite(double db) {
    return Double.isInfinite(db) ? 200 : db;
  }

  /** One plot's frame: bits on x, dB on y. */
  private static final class Panel {
    final int x0;
    final int x1;
    final double minBits;
    final double maxBits;
    final double maxDb;

    Panel(int x0, int x1, double minBits, double maxBits, double maxDb) {
      this.x0 = x0;
      this.x1 = x1;
      this.minBits = minBits;
      this.maxBits = maxBits == minBits ? minBits + 1 : maxBits;
      this.maxDb = maxDb;
    }

    int[] at(double bits, double db) {
      int x = (int) Math.round(x0 + (bits - minBits) / (maxBits - minBits) * (x1 - x0));
      int y = (int) Math.round(H - PAD - Math.max(0, db) / maxDb * (H - 2 * PAD));
      return new int[] {x, y};
    }

    void axes(Graphics2D g, String xLabel, String yLabel) {
      g.setColor(Color.GRAY);
      g.setStroke(new BasicStroke(1f));
      g.drawLine(x0, H - PAD, x1, H - PAD);
      g.drawLine(x0, PAD, x0, H - PAD);
      for (int b = (int) Math.ceil(minBits); b <= maxBits; b++) {
        int[] p = at(b, 0);
        g.drawLine(p[0], H - PAD, p[0], H - PAD + 4);
        g.drawString(Integer.toString(b), p[0] - 3, H - PAD + 18);
      }
      for (int db = 0; db <= maxDb; db += 10) {
        int[] p = at(minBits, db);
        g.drawLine(x0 - 4, p[1], x0, p[1]);
        g.drawString(Integer.toString(db), x0 - 28, p[1] + 4);
      }
      g.setColor(Color.BLACK);
      g.drawString(xLabel, x0 + 10, H - 18);
      g.drawString(yLabel, x0 - 50, PAD - 14);
    }
  }
}
