package moviereco.flink.speed;

/** A row of speed_recommendations: a user's top-N under one model version. */
public class SpeedRow {
  public long userId;
  public String modelVersion;
  public long computedAt;
  public long[] movieIds;
  public float[] scores;

  public SpeedRow() {}

  public SpeedRow(
      long userId, String modelVersion, long computedAt, long[] movieIds, float[] scores) {
    this.userId = userId;
    this.modelVersion = modelVersion;
    this.computedAt = computedAt;
    this.movieIds = movieIds;
    this.scores = scores;
  }
}
