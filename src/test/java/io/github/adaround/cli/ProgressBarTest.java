package io.github.adaround.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The bar shows progress, elapsed time and an estimate of the time left. */
class ProgressBarTest {

  @Test
  void aBarInProgressShowsTheTimeLeftAndAFinishedOneDoesNot() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), true);
    bar.start("[1/5] conv1", 100);
    bar.advance(25, "rec 0.1");
    String drawn = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(drawn.contains("25/100"), drawn);
    assertTrue(drawn.matches("(?s).*\\d+s eta \\d+s rec 0\\.1.*"), drawn);

    bytes.reset();
    bar.advance(75, "rec 0.05");
    bar.finish("done");
    String finished = bytes.toString(StandardCharsets.UTF_8);
    String last = finished.substring(finished.lastIndexOf('\r'));
    assertTrue(last.contains("100/100") && last.contains("done"), last);
    assertFalse(last.contains("eta"), last);
  }
}
