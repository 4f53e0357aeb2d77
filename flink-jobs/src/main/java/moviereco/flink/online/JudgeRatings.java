package moviereco.flink.online;

import java.util.List;
import moviereco.flink.common.Rating;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Joins each rating with what its user was being served when it arrived ({@link ServedReader},
 * asynchronously): a hit if the rated movie was in the top {@code k}. A row computed at or after
 * the rating reached Kafka is not what the user saw before rating (the speed layer may already have
 * folded the rating in): such a rating is skipped, and counted. Deletions are not judged. A failed
 * read fails the task (Flink restarts from the checkpoint).
 *
 * <p>Metrics: {@value #JUDGED}, {@value #SKIPPED} (counters).
 */
public class JudgeRatings extends RichAsyncFunction<Rating, OnlineHit> {
  public static final String JUDGED = "ratingsJudged";
  public static final String SKIPPED = "ratingsSkippedServedAfter";

  private final ServedReader reader;
  private final int k;
  private transient Counter judged;
  private transient Counter skipped;

  public JudgeRatings(ServedReader reader, int k) {
    this.reader = reader;
    this.k = k;
  }

  @Override
  public void open(Configuration parameters) throws Exception {
    reader.open();
    judged = getRuntimeContext().getMetricGroup().counter(JUDGED);
    skipped = getRuntimeContext().getMetricGroup().counter(SKIPPED);
  }

  @Override
  public void close() throws Exception {
    reader.close();
  }

  @Override
  public void asyncInvoke(Rating r, ResultFuture<OnlineHit> out) {
    if (r.deleted()) {
      out.complete(List.of());
      return;
    }
    reader
        .read(r.userId)
        .whenComplete(
            (served, error) -> {
              if (error != null) {
                out.completeExceptionally(error);
                return;
              }
              OnlineHit hit = judge(r, served, k);
              if (hit == null) {
                skipped.inc();
                out.complete(List.of());
              } else {
                judged.inc();
                out.complete(List.of(hit));
              }
            });
  }

  /**
   * The rating judged against what was served, or null if that was computed at or after the rating
   * reached Kafka ({@code ingestedAt}).
   */
  static OnlineHit judge(Rating r, Served served, int k) {
    if (served.computedAt() >= r.ingestedAt) return null;
    return new OnlineHit(
        served.source(), served.modelVersion(), served.rankOf(r.movieId, k), r.ratedAt);
  }
}
