package moviereco.spark.als;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;

import moviereco.contracts.RatingRule;
import org.apache.spark.sql.Column;

/**
 * {@link RatingRule} as Spark columns, over the reader's columns userId, movieId, rating, ts (epoch
 * ms) and _corrupt (the CSV reader's malformed line): true for a valid rating, false or null
 * otherwise. The numbers come from RatingRule, so the two cannot drift apart.
 */
final class ValidRating {
  private ValidRating() {}

  static Column column(long nowMillis, long maxFutureSkewMillis) {
    Column steps = col("rating").divide(RatingRule.RATING_STEP);
    return idsAndTime(nowMillis, maxFutureSkewMillis)
        .and(col("rating").between(RatingRule.MIN_RATING, RatingRule.MAX_RATING))
        .and(steps.equalTo(floor(steps)));
  }

  /**
   * {@link RatingRule#deletionProblem} as a column: true for a valid deletion (the same ids and
   * time, the rating {@link RatingRule#DELETED}).
   */
  static Column deletion(long nowMillis, long maxFutureSkewMillis) {
    return idsAndTime(nowMillis, maxFutureSkewMillis)
        .and(col("rating").equalTo(RatingRule.DELETED));
  }

  private static Column idsAndTime(long nowMillis, long maxFutureSkewMillis) {
    return col("_corrupt")
        .isNull()
        .and(col("userId").between(RatingRule.MIN_ID, RatingRule.MAX_ID))
        .and(col("movieId").between(RatingRule.MIN_ID, RatingRule.MAX_ID))
        .and(col("ts").isNotNull())
        .and(
            col("ts")
                .between(
                    RatingRule.MIN_RATED_AT_MILLIS,
                    RatingRule.latestRatedAt(nowMillis, maxFutureSkewMillis)));
  }
}
