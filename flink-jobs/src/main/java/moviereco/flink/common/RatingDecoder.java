package moviereco.flink.common;

import moviereco.avro.RatingAction;
import moviereco.avro.RatingEvent;
import moviereco.avro.ReleasedSchemas;
import moviereco.contracts.RatingRule;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes Kafka values as RatingEvents (Avro single-object encoding, written with the current
 * schema or a released one: {@link ReleasedSchemas}) and checks them with the shared {@link
 * RatingRule} (ids 1..2³¹−1, 0.5 to 5.0 in half steps, not after now plus {@code maxFutureSkewMs};
 * a deletion has the rating {@link RatingRule#DELETED}) and for an eventId. A record that cannot be
 * decoded, or decodes to an invalid rating, goes to the {@link #REJECTED} side output with its
 * reason and origin; it never fails the job.
 *
 * <p>Metrics: {@value #VALID} and {@value #REJECTED_COUNT} (counters).
 */
public class RatingDecoder extends ProcessFunction<KafkaRecord, Rating> {
  public static final OutputTag<Rejected> REJECTED = new OutputTag<>("rejected") {};

  /** The counter of valid ratings passed on. */
  public static final String VALID = "ratingsValid";

  /** The counter of records rejected. */
  public static final String REJECTED_COUNT = "ratingsRejected";

  private final String stage;
  private final long maxFutureSkewMs;
  private transient Counter valid;
  private transient Counter rejected;

  public RatingDecoder(String stage, long maxFutureSkewMs) {
    this.stage = stage;
    this.maxFutureSkewMs = maxFutureSkewMs;
  }

  @Override
  public void open(Configuration parameters) {
    valid = getRuntimeContext().getMetricGroup().counter(VALID);
    rejected = getRuntimeContext().getMetricGroup().counter(REJECTED_COUNT);
  }

  @Override
  public void processElement(KafkaRecord record, Context ctx, Collector<Rating> out) {
    long now = System.currentTimeMillis();
    Object result = decode(record, now, maxFutureSkewMs);
    if (result instanceof Rating rating) {
      valid.inc();
      out.collect(rating);
    } else {
      rejected.inc();
      ctx.output(REJECTED, new Rejected((String) result, stage, record, now));
    }
  }

  /**
   * The decoded rating, or the reason (a String) why the record is not one, at {@code nowMillis}.
   */
  public static Object decode(KafkaRecord record, long nowMillis, long maxFutureSkewMs) {
    if (record.value == null || record.value.length == 0) return "empty value";
    RatingEvent event;
    try {
      event = ReleasedSchemas.RATING_EVENTS.decode(record.value);
    } catch (Exception e) {
      return "undecodable RatingEvent: "
          + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    String problem = problem(event, nowMillis, maxFutureSkewMs);
    if (problem != null) return problem;
    return new Rating(
        event.getEventId(),
        event.getUserId(),
        event.getMovieId(),
        event.getRating(),
        event.getRatedAt().toEpochMilli(),
        record.timestamp);
  }

  /**
   * Why a decoded event is invalid, or null: an eventId, and {@link RatingRule} (for a deletion,
   * {@link RatingRule#deletionProblem}).
   */
  public static String problem(RatingEvent e, long nowMillis, long maxFutureSkewMs) {
    if (e.getEventId() == null || e.getEventId().isEmpty())
      return "invalid RatingEvent: empty eventId";
    // the float as written (3.3, not 3.2999999523): the same verdict, since every half step is a
    // float and a double
    double rating = Double.parseDouble(Float.toString(e.getRating()));
    long at = e.getRatedAt().toEpochMilli();
    if (e.getAction() == RatingAction.DELETE) {
      String problem =
          RatingRule.deletionProblem(
              e.getUserId(), e.getMovieId(), rating, at, nowMillis, maxFutureSkewMs);
      return problem == null ? null : "invalid deletion: " + problem;
    }
    String problem =
        RatingRule.problem(e.getUserId(), e.getMovieId(), rating, at, nowMillis, maxFutureSkewMs);
    return problem == null ? null : "invalid RatingEvent: " + problem;
  }
}
