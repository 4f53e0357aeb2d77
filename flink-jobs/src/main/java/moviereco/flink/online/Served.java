package moviereco.flink.online;

/**
 * What the API serves a user at a moment, as the API picks it (docs/serving.md): the speed row of
 * the current model, else the user's batch row of that model, else the popular list. {@code
 * movieIds} is its top, best first; {@code computedAt} is when the row was computed (0 for the
 * popular list, which changes only with the model).
 */
public record Served(String source, String modelVersion, long[] movieIds, long computedAt) {
  public static final String SPEED = "speed";
  public static final String BATCH = "batch";
  public static final String POPULAR = "popular";

  /** The rank (1-based) of a movie among the first {@code k}, or 0 if it is not there. */
  public int rankOf(long movieId, int k) {
    for (int i = 0; i < Math.min(k, movieIds.length); i++) if (movieIds[i] == movieId) return i + 1;
    return 0;
  }
}
