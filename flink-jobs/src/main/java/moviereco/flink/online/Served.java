package moviereco.flink.online;

/**
 * What the API serves a user at a moment (a Flink POJO), as the API picks it (docs/serving.md): the
 * speed row of the current model, else the user's batch row of that model, else the popular list.
 * {@code movieIds} is its top, best first; {@code computedAt} is when the row was computed (0 for
 * the popular list, which changes only with the model).
 */
public class Served {
  public static final String SPEED = "speed";
  public static final String BATCH = "batch";
  public static final String POPULAR = "popular";

  public String source;
  public String modelVersion;
  public long[] movieIds;
  public long computedAt;

  public Served() {}

  public Served(String source, String modelVersion, long[] movieIds, long computedAt) {
    this.source = source;
    this.modelVersion = modelVersion;
    this.movieIds = movieIds;
    this.computedAt = computedAt;
  }

  /** The rank (1-based) of a movie among the first {@code k}, or 0 if it is not there. */
  public int rankOf(long movieId, int k) {
    for (int i = 0; i < Math.min(k, movieIds.length); i++) if (movieIds[i] == movieId) return i + 1;
    return 0;
  }

  /** Whether it is the same row as {@code o} (the same source, model and computation). */
  public boolean sameAs(Served o) {
    return o != null
        && o.computedAt == computedAt
        && o.source.equals(source)
        && o.modelVersion.equals(modelVersion);
  }

  @Override
  public String toString() {
    return source + " " + modelVersion + " @" + computedAt;
  }
}
