package moviereco.flink.common;

import moviereco.avro.RatingEvent;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes Kafka values as RatingEvents (Avro single-object encoding) and checks them. A record
 * that cannot be decoded, or decodes to an invalid rating, goes to the {@link #REJECTED} side
 * output with its reason and origin; it never fails the job.
 */
public class RatingDecoder extends ProcessFunction<KafkaRecord, Rating> {
  public static final OutputTag<Rejected> REJECTED = new OutputTag<>("rejected") {};

  private final String stage;
  private transient Counter valid;
  private transient Counter rejected;

  public RatingDecoder(String stage) {
    this.stage = stage;
  }

  @Override
  public void open(Configuration parameters) {
    valid = getRuntimeContext().getMetricGroup().counter("ratingsValid");
    rejected = getRuntimeContext().getMetricGroup().counter("ratingsRejected");
  }

  @Override
  public void processElement(KafkaRecord record, Context ctx, Collector<Rating> out) {
    Object result = decode(record);
    if (result instanceof Rating rating) {
      valid.inc();
      out.collect(rating);
    } else {
      rejected.inc();
      ctx.output(REJECTED, new Rejected((String) result, stage, record, System.currentTimeMillis()));
    }
  }

  /** The decoded rating, or the reason (a String) why the record is not one. */
  public static Object decode(KafkaRecord record) {
    if (record.value == null || record.value.length == 0) return "empty value";
    RatingEvent event;
    try {
      event = RatingEvent.getDecoder().decode(record.value);
    } catch (Exception e) {
      return "undecodable RatingEvent: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    String problem = problem(event);
    if (problem != null) return problem;
    return new Rating(event.getEventId(), event.getUserId(), event.getMovieId(), event.getRating(), event.getRatedAt().toEpochMilli(), record.timestamp);
  }

  /** Why a decoded event is invalid, or null: ids positive, rating 0.5 to 5.0 in half steps, an eventId. */
  public static String problem(RatingEvent e) {
    if (e.getEventId() == null || e.getEventId().isEmpty()) return "invalid RatingEvent: empty eventId";
    if (e.getUserId() <= 0) return "invalid RatingEvent: userId " + e.getUserId() + " is not positive";
    if (e.getMovieId() <= 0) return "invalid RatingEvent: movieId " + e.getMovieId() + " is not positive";
    float r = e.getRating();
    if (!(r >= 0.5f && r <= 5.0f) || r * 2 != Math.rint(r * 2)) return "invalid RatingEvent: rating " + r + " is not 0.5 to 5.0 in half steps";
    return null;
  }
}
