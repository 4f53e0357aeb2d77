package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** contracts/batch-result.json, both directions, and the phase timer. */
class BatchResultTest {
  static Stream<Arguments> lines() {
    return Vectors.cases("batch-result.json", "lines");
  }

  static Stream<Arguments> invalid() {
    return Vectors.cases("batch-result.json", "invalid");
  }

  static BatchResult.Line valueOf(String kind, JsonNode v) {
    return switch (kind) {
      case "PHASE_START" -> new BatchResult.PhaseStart(v.get("name").asText());
      case "PHASE" -> new BatchResult.PhaseEnd(v.get("name").asText(), v.get("seconds").asDouble());
      case "RESULT" ->
          new BatchResult.Result(
              v.has("version") ? v.get("version").asText() : null,
              v.has("dataCutoff") ? v.get("dataCutoff").asLong() : null,
              v.has("path") ? v.get("path").asText() : null,
              Vectors.doubles(v.get("metrics")),
              Vectors.longs(v.get("counts")),
              Vectors.doubles(v.get("phases")));
      default -> null;
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void lines(String name, JsonNode c) {
    String line = c.get("line").asText();
    BatchResult.Line value = valueOf(c.get("kind").asText(), c.get("value"));
    if (value == null) {
      assertNull(BatchResult.parse(line));
      return;
    }
    assertEquals(line, value.format());
    assertEquals(value, BatchResult.parse(line));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void invalid(String name, JsonNode c) {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> BatchResult.parse(c.get("line").asText()));
    assertTrue(e.getMessage().contains(c.get("error").asText()), e.getMessage());
  }

  @Test
  void phasesPrintTheirLinesAndTheResult() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long[] clock = {0};
    BatchResult.Phases phases =
        new BatchResult.Phases(
            new PrintStream(bytes, true, StandardCharsets.UTF_8), () -> clock[0]);
    phases.start("read");
    clock[0] = 1_250_000_000L;
    phases.end("read");
    phases.result(null, null, null, Map.of("rmse", 0.9), Map.of("ratings", 5L));
    assertEquals(
        "PHASE_START read\nPHASE read 1.3\nRESULT {\"metrics\":{\"rmse\":0.9},\"counts\":{\"ratings\":5},\"phases\":{\"read\":1.25}}\n",
        bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
  }
}
