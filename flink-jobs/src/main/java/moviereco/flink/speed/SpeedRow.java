package moviereco.flink.speed;

/**
 * A row of speed_recommendations: a user's top-N under one model version. {@code ratedUntil} is the
 * newest rating (or deletion) time it folds in: the API holds a row in memory only once it reaches
 * a rating the API saw, since a lagging job computes rows after a rating was sent.
 */
public class SpeedRow {
  public long userId;
  public String modelVersion;
  public long computedAt;
  public long ratedUntil;
  public long[] movieIds;
  public float[] scores;

  public SpeedRow() {}

  public SpeedRow(
      long userId,
      String modelVersion,
      long computedAt,
      long ratedUntil,
      long[] movieIds,
      float[] scores) {
    this.userId = userId;
    this.modelVersion = modelVersion;
    this.computedAt = computedAt;
    this.ratedUntil = ratedUntil;
    this.movieIds = movieIds;
    this.scores = scores;
  }
}
