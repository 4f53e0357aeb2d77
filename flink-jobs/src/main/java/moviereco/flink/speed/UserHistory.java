package moviereco.flink.speed;

import java.util.Arrays;
import moviereco.contracts.RatingRule;

/**
 * One user's ratings, every movie's latest rating, sorted by movie id (a Flink POJO). A deleted
 * rating stays as a tombstone, the rating {@link RatingRule#DELETED} at the deletion's time ({@link
 * #deleted}), so that an older rating of the movie arriving late (a replay) does not bring it back;
 * it takes no part in the fold-in.
 *
 * <p>The speed recommender keeps one in keyed state per user for the flags only ({@code dirty}: the
 * recommendations are out of date; {@code lastEventAt}: the newest streamed rating's time; {@code
 * timerAt}), with no ratings, so that checkpoints stay small; the ratings are in another, held in
 * memory ({@link HeldHistories}). {@code seeded} marks a state from before that split (checkpoints
 * then held every history whole), whose ratings the recommender takes over at the first model
 * message after a start (or at the user's first event, if that comes first).
 */
public class UserHistory {
  public long[] movies = new long[0];
  public float[] ratings = new float[0];
  public long[] ratedAt = new long[0];
  public boolean seeded;
  public boolean dirty;
  public long lastEventAt = Long.MIN_VALUE;

  /** the processing-time timer that will recompute, or 0 */
  public long timerAt;

  public UserHistory() {}

  /** The flags alone, no ratings: what the recommender keeps in keyed state. */
  public UserHistory flagsOnly() {
    UserHistory f = new UserHistory();
    f.dirty = dirty;
    f.lastEventAt = lastEventAt;
    f.timerAt = timerAt;
    return f;
  }

  public int size() {
    return movies.length;
  }

  /**
   * Starts the history from rows read elsewhere (one per movie), sorting once instead of inserting
   * one by one; with a history already present it merges rating by rating.
   */
  public void seed(long[] movieIds, float[] values, long[] times) {
    if (movies.length > 0) {
      for (int i = 0; i < movieIds.length; i++) apply(movieIds[i], values[i], times[i]);
      return;
    }
    Integer[] order = new Integer[movieIds.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    java.util.Arrays.sort(order, (a, b) -> Long.compare(movieIds[a], movieIds[b]));
    movies = new long[order.length];
    ratings = new float[order.length];
    ratedAt = new long[order.length];
    for (int i = 0; i < order.length; i++) {
      movies[i] = movieIds[order[i]];
      ratings[i] = values[order[i]];
      ratedAt[i] = times[order[i]];
    }
  }

  /** Whether entry {@code i} is a deleted rating (a tombstone). */
  public boolean deleted(int i) {
    return ratings[i] == RatingRule.DELETED;
  }

  /**
   * Records a rating, or a deletion (the rating {@link RatingRule#DELETED}), unless the history
   * holds a newer event for that movie (of the same time, a deletion wins, as in Cassandra); true
   * if anything changed.
   */
  public boolean apply(long movieId, float rating, long at) {
    int i = Arrays.binarySearch(movies, movieId);
    if (i >= 0) {
      if (ratedAt[i] > at || (ratedAt[i] == at && (ratings[i] == rating || deleted(i))))
        return false;
      ratings[i] = rating;
      ratedAt[i] = at;
      return true;
    }
    int at0 = -i - 1;
    int n = movies.length;
    long[] m = new long[n + 1];
    float[] r = new float[n + 1];
    long[] t = new long[n + 1];
    System.arraycopy(movies, 0, m, 0, at0);
    System.arraycopy(ratings, 0, r, 0, at0);
    System.arraycopy(ratedAt, 0, t, 0, at0);
    m[at0] = movieId;
    r[at0] = rating;
    t[at0] = at;
    System.arraycopy(movies, at0, m, at0 + 1, n - at0);
    System.arraycopy(ratings, at0, r, at0 + 1, n - at0);
    System.arraycopy(ratedAt, at0, t, at0 + 1, n - at0);
    movies = m;
    ratings = r;
    ratedAt = t;
    return true;
  }
}
