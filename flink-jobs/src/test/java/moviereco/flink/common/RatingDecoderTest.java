package moviereco.flink.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Instant;
import moviereco.avro.DeadLetter;
import moviereco.avro.RatingAction;
import moviereco.avro.RatingEvent;
import moviereco.avro.RatingSource;
import org.junit.jupiter.api.Test;

class RatingDecoderTest {
  static final long NOW = 1_000_000;
  static final long SKEW = 300_000;

  static Object decode(KafkaRecord record) {
    return RatingDecoder.decode(record, NOW, SKEW);
  }

  static byte[] encode(long user, long movie, float rating) throws Exception {
    return encode(user, movie, rating, 1000);
  }

  static byte[] encode(long user, long movie, float rating, long ratedAt) throws Exception {
    return encode(user, movie, rating, ratedAt, RatingAction.RATE);
  }

  static byte[] encode(long user, long movie, float rating, long ratedAt, RatingAction action)
      throws Exception {
    RatingEvent e =
        RatingEvent.newBuilder()
            .setAction(action)
            .setEventId(user + ":" + movie + ":" + ratedAt)
            .setUserId(user)
            .setMovieId(movie)
            .setRating(rating)
            .setRatedAt(Instant.ofEpochMilli(ratedAt))
            .setSource(RatingSource.API)
            .build();
    ByteBuffer b = RatingEvent.getEncoder().encode(e);
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  static KafkaRecord record(byte[] value) {
    return new KafkaRecord("ratings", 2, 41, 5000, "7".getBytes(), value);
  }

  @Test
  void decodesAValidEvent() throws Exception {
    Rating r = assertInstanceOf(Rating.class, decode(record(encode(7, 50, 3.5f))));
    assertEquals(new Rating("7:50:1000", 7, 50, 3.5f, 1000, 5000), r);
    assertEquals("7,50,3.5,1000,7:50:1000", r.toCsv());
  }

  @Test
  void explainsWhyARecordIsRejected() throws Exception {
    assertTrue(
        ((String) decode(record("not avro at all".getBytes())))
            .startsWith("undecodable RatingEvent"));
    assertEquals("empty value", decode(record(new byte[0])));
    byte[] unknownFingerprint = encode(7, 50, 3.5f);
    unknownFingerprint[5] ^= 0x55;
    assertTrue(((String) decode(record(unknownFingerprint))).startsWith("undecodable RatingEvent"));
    assertEquals(
        "invalid RatingEvent: rating 3.3 is not 0.5 to 5.0 in half steps",
        decode(record(encode(7, 50, 3.3f))));
    assertEquals(
        "invalid RatingEvent: rating 5.5 is not 0.5 to 5.0 in half steps",
        decode(record(encode(7, 50, 5.5f))));
    assertEquals(
        "invalid RatingEvent: userId 0 is not in 1..2147483647", decode(record(encode(0, 50, 3f))));
    assertEquals(
        "invalid RatingEvent: movieId 4294967338 is not in 1..2147483647",
        decode(record(encode(7, 4_294_967_338L, 3f))));
  }

  @Test
  void aDeletionDecodesToTheRatingDeletedAtItsTime() throws Exception {
    Rating r =
        assertInstanceOf(
            Rating.class, decode(record(encode(7, 50, 0f, 2000, RatingAction.DELETE))));
    assertEquals(new Rating("7:50:2000", 7, 50, 0f, 2000, 5000), r);
    assertTrue(r.deleted());
    assertEquals("7,50,0.0,2000,7:50:2000", r.toCsv());
  }

  @Test
  void anInvalidDeletionIsRejectedAsSuch() throws Exception {
    assertEquals(
        "invalid deletion: rating 4.5 in a deletion: it must be 0.0",
        decode(record(encode(7, 50, 4.5f, 2000, RatingAction.DELETE))));
    assertEquals(
        "invalid deletion: userId 0 is not in 1..2147483647",
        decode(record(encode(0, 50, 0f, 2000, RatingAction.DELETE))));
    assertTrue(
        ((String) decode(record(encode(7, 50, 0f, NOW + SKEW + 1, RatingAction.DELETE))))
            .contains("in the future"));
    // a rating of 0 without action DELETE is what a reader older than `action` sees: invalid
    assertEquals(
        "invalid RatingEvent: rating 0.0 is not 0.5 to 5.0 in half steps",
        decode(record(encode(7, 50, 0f))));
  }

  @Test
  void aRatingTooFarInTheFutureIsRejected() throws Exception {
    assertInstanceOf(Rating.class, decode(record(encode(7, 50, 4f, NOW + SKEW))));
    assertEquals(
        "invalid RatingEvent: ratedAt "
            + (NOW + SKEW + 1)
            + " is in the future (after now "
            + NOW
            + " + "
            + SKEW
            + " ms)",
        decode(record(encode(7, 50, 4f, NOW + SKEW + 1))));
  }

  @Test
  void aDeadLetterCarriesTheReasonAndTheOrigin() throws Exception {
    KafkaRecord origin = record("garbage".getBytes());
    DeadLetter letter =
        DeadLetter.getDecoder()
            .decode(Kafka.encode(new Rejected("why", "speed-recommender", origin, 9000)));
    assertEquals("why", letter.getReason());
    assertEquals("speed-recommender", letter.getStage());
    assertEquals("ratings", letter.getOriginTopic());
    assertEquals(2, letter.getOriginPartition());
    assertEquals(41, letter.getOriginOffset());
    assertEquals("garbage", new String(letter.getPayload().array()));
    assertEquals("7", new String(letter.getOriginKey().array()));
  }
}
