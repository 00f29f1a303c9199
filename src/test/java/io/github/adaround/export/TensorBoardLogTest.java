package io.github.adaround.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * The event file that TensorBoard reads: TFRecords (length, masked CRC-32C of the length, an {@code
 * Event} proto, masked CRC-32C of the data) holding, after the file's version, each scalar written
 * with its tag and step.
 */
class TensorBoardLogTest {

  @TempDir Path dir;

  /** A scalar as the event file holds it. */
  private record Scalar(String tag, long step, float value) {}

  @Test
  void theEventFileHoldsEveryScalarWrittenInOrder() throws IOException {
    Path logs = dir.resolve("logs");
    try (TensorBoardLog log = new TensorBoardLog(logs)) {
      log.scalar("conv/kernel/reconstruction", 0, 1.5f);
      log.scalar("conv/kernel/beta", 0, 20f);
      log.scalar("conv/kernel/reconstruction", 100, 0.25f);
    }

    List<Event> events = events(eventFile(logs));
    assertTrue(events.get(0).getFileVersion().startsWith("brain.Event:"), events.get(0).toString());
    List<Scalar> scalars = new ArrayList<>();
    for (Event e : events.subList(1, events.size())) {
      for (Summary.Value v : e.getSummary().getValueList()) {
        scalars.add(new Scalar(v.getTag(), e.getStep(), v.getSimpleValue()));
      }
    }
    assertEquals(
        List.of(
            new Scalar("conv/kernel/reconstruction", 0, 1.5f),
            new Scalar("conv/kernel/beta", 0, 20f),
            new Scalar("conv/kernel/reconstruction", 100, 0.25f)),
        scalars);
  }

  private static Path eventFile(Path logs) throws IOException {
    try (Stream<Path> files = Files.list(logs)) {
      List<Path> events =
          files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents")).toList();
      assertEquals(1, events.size(), events.toString());
      assertTrue(events.get(0).toString().endsWith(".adaround"), events.get(0).toString());
      return events.get(0);
    }
  }

  /** The records of a TFRecord file, their checksums checked, parsed as events. */
  private static List<Event> events(Path file) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> events = new ArrayList<>();
    while (bytes.hasRemaining()) {
      byte[] length = new byte[8];
      bytes.get(length);
      assertEquals(maskedCrc(length), bytes.getInt(), "length checksum");
      byte[] data =
          new byte
              [Math.toIntExact(ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong())];
      bytes.get(data);
      assertEquals(maskedCrc(data), bytes.getInt(), "data checksum");
      events.add(Event.parseFrom(data));
    }
    return events;
  }

  /** TFRecord's masked CRC-32C. */
  private static int maskedCrc(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + 0xa282ead8;
  }
}
