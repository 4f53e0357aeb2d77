package moviereco.flink.speed;

import moviereco.contracts.RatingRule;

/**
 * A row of user_ratings: the latest rating of one movie by one user, or, with the rating {@link
 * RatingRule#DELETED}, its deletion at {@code ratedAt}.
 */
public class UserRatingRow {
  public long userId;
  public long movieId;
  public float rating;
  public long ratedAt;

  public UserRatingRow() {}

  public boolean deleted() {
    return rating == RatingRule.DELETED;
  }

  public UserRatingRow(long userId, long movieId, float rating, long ratedAt) {
    this.userId = userId;
    this.movieId = movieId;
    this.rating = rating;
    this.ratedAt = ratedAt;
  }
}
