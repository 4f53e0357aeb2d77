package moviereco.contracts;

/**
 * When a rating is valid, for every JVM entry (the speed layer's decoder, the batch job's reader):
 * userId and movieId in {@value #MIN_ID}..{@value #MAX_ID} (ALS needs int ids), a rating of {@value
 * #MIN_RATING} to {@value #MAX_RATING} in half steps, and a time not before the epoch and not after
 * now plus an allowed clock skew. The batch job states the same rule as a Spark column built from
 * these constants.
 */
public final class RatingRule {
  private RatingRule() {}

  public static final long MIN_ID = 1;
  public static final long MAX_ID = Integer.MAX_VALUE;
  public static final double MIN_RATING = 0.5;
  public static final double MAX_RATING = 5.0;

  /** ratings are whole multiples of this */
  public static final double RATING_STEP = 0.5;

  public static final long MIN_RATED_AT_MILLIS = 0;

  /** The rating of a deletion (which has none): below every valid rating. */
  public static final float DELETED = 0f;

  /** Null for a valid rating, else why it is not one (starting with the field's name). */
  public static String problem(
      long userId,
      long movieId,
      double rating,
      long ratedAtMillis,
      long nowMillis,
      long maxFutureSkewMillis) {
    String ids = idProblem(userId, movieId);
    if (ids != null) return ids;
    if (!validRating(rating)) {
      return "rating " + rating + " is not " + MIN_RATING + " to " + MAX_RATING + " in half steps";
    }
    return timeProblem(ratedAtMillis, nowMillis, maxFutureSkewMillis);
  }

  /**
   * Null for a valid deletion of a rating, else why not: the same ids and time as a rating, and the
   * rating {@link #DELETED}.
   */
  public static String deletionProblem(
      long userId,
      long movieId,
      double rating,
      long ratedAtMillis,
      long nowMillis,
      long maxFutureSkewMillis) {
    String ids = idProblem(userId, movieId);
    if (ids != null) return ids;
    if (rating != DELETED) return "rating " + rating + " in a deletion: it must be " + DELETED;
    return timeProblem(ratedAtMillis, nowMillis, maxFutureSkewMillis);
  }

  private static String idProblem(long userId, long movieId) {
    if (!validId(userId)) return "userId " + userId + " is not in " + MIN_ID + ".." + MAX_ID;
    if (!validId(movieId)) return "movieId " + movieId + " is not in " + MIN_ID + ".." + MAX_ID;
    return null;
  }

  private static String timeProblem(long ratedAtMillis, long nowMillis, long maxFutureSkewMillis) {
    if (ratedAtMillis < MIN_RATED_AT_MILLIS) return "ratedAt " + ratedAtMillis + " is before 1970";
    if (ratedAtMillis > latestRatedAt(nowMillis, maxFutureSkewMillis)) {
      return "ratedAt "
          + ratedAtMillis
          + " is in the future (after now "
          + nowMillis
          + " + "
          + maxFutureSkewMillis
          + " ms)";
    }
    return null;
  }

  /** The latest valid ratedAt: now plus the skew (saturating, so a huge skew means no limit). */
  public static long latestRatedAt(long nowMillis, long maxFutureSkewMillis) {
    return maxFutureSkewMillis > 0 && nowMillis > Long.MAX_VALUE - maxFutureSkewMillis
        ? Long.MAX_VALUE
        : nowMillis + maxFutureSkewMillis;
  }

  public static boolean validId(long id) {
    return id >= MIN_ID && id <= MAX_ID;
  }

  public static boolean validRating(double rating) {
    double steps = rating / RATING_STEP;
    return rating >= MIN_RATING && rating <= MAX_RATING && steps == Math.rint(steps);
  }
}
