package moviereco.flink.online;

/**
 * One rating judged against what its user was being served (a Flink POJO): from which source and
 * model version, and the rank of the rated movie in its top k (0: not there, a miss). {@code
 * ratedAt} is the rating's event time.
 */
public class OnlineHit {
  public String source;
  public String modelVersion;
  public int rank;
  public long ratedAt;

  public OnlineHit() {}

  public OnlineHit(String source, String modelVersion, int rank, long ratedAt) {
    this.source = source;
    this.modelVersion = modelVersion;
    this.rank = rank;
    this.ratedAt = ratedAt;
  }

  public boolean hit() {
    return rank > 0;
  }

  /** The key of its tally: source and model version. */
  public String key() {
    return source + "|" + modelVersion;
  }

  @Override
  public String toString() {
    return "OnlineHit{" + source + " " + modelVersion + " rank " + rank + " at " + ratedAt + "}";
  }
}
