package moviereco.flink.speed;

/** A row of user_ratings: the latest rating of one movie by one user. */
public class UserRatingRow {
  public long userId;
  public long movieId;
  public float rating;
  public long ratedAt;

  public UserRatingRow() {}

  public UserRatingRow(long userId, long movieId, float rating, long ratedAt) {
    this.userId = userId;
    this.movieId = movieId;
    this.rating = rating;
    this.ratedAt = ratedAt;
  }
}
