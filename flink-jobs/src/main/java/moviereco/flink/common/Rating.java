package moviereco.flink.common;

import java.util.Objects;
import moviereco.contracts.ArchiveLine;
import moviereco.contracts.RatingRule;

/**
 * A decoded, valid RatingEvent as a Flink POJO: what flows between operators (the Avro classes
 * would fall back to Kryo). {@code ingestedAt} is the Kafka record's timestamp. A deletion (action
 * DELETE) has the rating {@link RatingRule#DELETED} ({@link #deleted}) and the deletion's time in
 * {@code ratedAt}, as in the archive's lines.
 */
public class Rating {
  public String eventId;
  public long userId;
  public long movieId;
  public float rating;
  public long ratedAt;
  public long ingestedAt;

  public Rating() {}

  public Rating(
      String eventId, long userId, long movieId, float rating, long ratedAt, long ingestedAt) {
    this.eventId = eventId;
    this.userId = userId;
    this.movieId = movieId;
    this.rating = rating;
    this.ratedAt = ratedAt;
    this.ingestedAt = ingestedAt;
  }

  /** Whether this withdraws the user's rating of the movie instead of rating it. */
  public boolean deleted() {
    return rating == RatingRule.DELETED;
  }

  /**
   * The archive's line, {@link ArchiveLine}: {@code userId,movieId,rating,ratedAtMillis,eventId}
   * (what the batch job reads).
   */
  public String toCsv() {
    return ArchiveLine.format(userId, movieId, rating, ratedAt, eventId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Rating r
        && r.userId == userId
        && r.movieId == movieId
        && r.rating == rating
        && r.ratedAt == ratedAt
        && r.ingestedAt == ingestedAt
        && Objects.equals(r.eventId, eventId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(eventId, userId, movieId, rating, ratedAt);
  }

  @Override
  public String toString() {
    return "Rating{" + toCsv() + "}";
  }
}
