package moviereco.flink.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import moviereco.avro.RatingEvent;
import moviereco.avro.RatingSource;
import org.junit.jupiter.api.Test;

class JavaReplayTest {
  static final long NOW = 1_700_000_000_000L;
  static final long SKEW = 300_000;

  @Test
  void aValidLineIsTheEventTheTypeScriptReplayMakes() {
    RatingEvent e = JavaReplay.event("1,31,2.5,1260759144", NOW, SKEW);
    assertNotNull(e);
    assertEquals("1:31:1260759144000", e.getEventId());
    assertEquals(1L, e.getUserId());
    assertEquals(31L, e.getMovieId());
    assertEquals(2.5f, e.getRating());
    assertEquals(1_260_759_144_000L, e.getRatedAt().toEpochMilli());
    assertEquals(RatingSource.REPLAY, e.getSource());
  }

  @Test
  void invalidLinesAreRejects() {
    assertNull(JavaReplay.event("1,31,2.4,1260759144", NOW, SKEW), "not a half step");
    assertNull(JavaReplay.event("0,31,2.5,1260759144", NOW, SKEW), "user id out of range");
    assertNull(JavaReplay.event("1,31,2.5,4102444800", NOW, SKEW), "dated 2100: the future");
    assertNull(JavaReplay.event("1,31,2.5", NOW, SKEW), "a field missing");
    assertNull(JavaReplay.event("x,31,2.5,1260759144", NOW, SKEW), "not a number");
  }
}
