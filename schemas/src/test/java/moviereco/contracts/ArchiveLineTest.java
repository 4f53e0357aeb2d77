package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** contracts/archive-lines.json, both directions. */
class ArchiveLineTest {
  static Stream<Arguments> valid() {
    return Vectors.cases("archive-lines.json", "valid");
  }

  static Stream<Arguments> invalid() {
    return Vectors.cases("archive-lines.json", "invalid");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void valid(String name, JsonNode c) {
    JsonNode v = c.get("value");
    ArchiveLine value =
        new ArchiveLine(
            v.get("userId").asLong(),
            v.get("movieId").asLong(),
            (float) v.get("rating").asDouble(),
            v.get("ratedAtMillis").asLong(),
            v.get("eventId").asText());
    assertEquals(c.get("line").asText(), value.format());
    assertEquals(value, ArchiveLine.parse(c.get("line").asText()));
    assertEquals(c.path("deleted").asBoolean(false), value.deleted());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void invalid(String name, JsonNode c) {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> ArchiveLine.parse(c.get("line").asText()));
    assertTrue(e.getMessage().contains(c.get("error").asText()), e.getMessage());
  }
}
