package moviereco.flink.speed;

import java.io.Serializable;
import java.util.concurrent.CompletionStage;

/**
 * Where a user's earlier ratings come from the first time the speed recommender sees the user (or
 * sees them again after their state expired): Cassandra {@code user_ratings} in the job ({@link
 * CassandraHistoryReader}), anything in tests. Opened once per parallel instance. {@link #read}
 * must not block; the recommender bounds how many reads are outstanding and how long each may take.
 */
public interface HistoryReader extends Serializable {
  void open() throws Exception;

  /** The user's stored ratings, one per movie. */
  CompletionStage<Stored> read(long userId);

  void close() throws Exception;

  /** Stored ratings as parallel arrays: movie ids, ratings, rated-at (epoch ms, 0 if unknown). */
  record Stored(long[] movieIds, float[] ratings, long[] ratedAt) {
    public static final Stored NONE = new Stored(new long[0], new float[0], new long[0]);

    public int size() {
      return movieIds.length;
    }
  }
}
