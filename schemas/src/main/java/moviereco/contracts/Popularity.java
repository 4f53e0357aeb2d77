package moviereco.contracts;

import java.util.Comparator;
import java.util.List;

/**
 * The popular order, one for the API and the jobs: more ratings first; equal counts, the higher
 * mean rating first (no mean counts as 0); then the smaller movie id. The Java owner (the online
 * evaluation's popular list), whose TypeScript owner is schemas/popularity.ts; both are checked
 * against contracts/popularity.json.
 */
public final class Popularity {
  private Popularity() {}

  /** A movie's facts: its id, how many ratings it has, their mean (a float; null: none). */
  public record Facts(long movieId, long ratingCount, Float ratingMean) {
    float mean() {
      return ratingMean == null ? 0f : ratingMean;
    }
  }

  public static final Comparator<Facts> ORDER =
      Comparator.comparingLong((Facts f) -> -f.ratingCount())
          .thenComparing(Facts::mean, Comparator.reverseOrder())
          .thenComparingLong(Facts::movieId);

  /** The first k movie ids in the popular order. */
  public static long[] top(List<Facts> movies, int k) {
    return movies.stream().sorted(ORDER).limit(k).mapToLong(Facts::movieId).toArray();
  }
}
