package moviereco.flink.speed;

/**
 * What one user's coalescing window writes to Cassandra, as one single-partition mutation (both
 * tables are keyed by user_id): the user_ratings rows its ratings changed, in the order applied,
 * and the new speed row if one was owed (null when none was: no model yet, a model that has seen
 * the ratings, or one that does not load).
 */
public class UserWrites {
  public long userId;
  public UserRatingRow[] ratings;
  public SpeedRow speed;

  public UserWrites() {}

  public UserWrites(long userId, UserRatingRow[] ratings, SpeedRow speed) {
    this.userId = userId;
    this.ratings = ratings;
    this.speed = speed;
  }

  /** Statements this write makes: one per user_ratings row, one for the speed row. */
  public int statements() {
    return ratings.length + (speed == null ? 0 : 1);
  }
}
