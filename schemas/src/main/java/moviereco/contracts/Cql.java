package moviereco.contracts;

import java.util.Collections;
import java.util.List;

/**
 * The tables, columns and statements the JVM jobs use in the serving store; the tables are defined
 * in schemas/cassandra.cql. Statements that take a keyspace name it; the speed layer's run in a
 * session whose keyspace is set and name none.
 */
public final class Cql {
  private Cql() {}

  /** A table and the columns a job writes, in the order it writes them. */
  public record Table(String name, List<String> columns) {
    public String[] columnArray() {
      return columns.toArray(new String[0]);
    }
  }

  /** The user-defined type of a ranked list's entry: {@code scored_movie(movie_id, score)}. */
  public static final String SCORED_MOVIE = "scored_movie";

  public static final List<String> SCORED_MOVIE_FIELDS = List.of("movie_id", "score");

  /**
   * The column of a ranked list as one frozen cell, which the speed and batch rows and similar
   * movies are written with (a non-frozen list costs a tombstone and a cell per movie per write).
   */
  public static final String TOP_ITEMS = "top_items";

  /**
   * A ranked row's items, in the order a reader takes them: the frozen {@link #TOP_ITEMS}, or for a
   * row written before that column (by an earlier version of a job), the non-frozen items.
   */
  public static final List<String> ITEMS_COLUMNS = List.of(TOP_ITEMS, "items");

  public static final Table MODELS =
      new Table(
          "models",
          List.of(
              "model_name",
              "version",
              "status",
              "created_at",
              "data_cutoff",
              "path",
              "params",
              "metrics",
              "counts"));
  public static final Table CURRENT_MODEL =
      new Table("current_model", List.of("model_name", "version", "switched_at"));
  public static final Table BATCH_RECOMMENDATIONS =
      new Table(
          "batch_recommendations", List.of("user_id", "model_version", "computed_at", TOP_ITEMS));
  public static final Table SIMILAR_MOVIES =
      new Table("similar_movies", List.of("movie_id", "model_version", TOP_ITEMS));

  /** the columns the batch job writes (the rest come from movies.csv) */
  public static final Table MOVIE_STATISTICS =
      new Table("movies", List.of("movie_id", "rating_count", "rating_mean"));

  public static final Table USER_RATINGS =
      new Table("user_ratings", List.of("user_id", "movie_id", "rating", "rated_at"));
  public static final Table SPEED_RECOMMENDATIONS =
      new Table(
          "speed_recommendations",
          List.of("user_id", "model_version", "computed_at", "rated_until", TOP_ITEMS, "items"));
  public static final Table TRENDING =
      new Table("trending", List.of("window_name", "window_end", "items"));
  public static final Table ONLINE_HITS =
      new Table(
          "online_hits",
          List.of("window_name", "window_end", "source", "model_version", "ratings", "hits"));

  /** Every table above, for checks against cassandra.cql. */
  public static final List<Table> TABLES =
      List.of(
          MODELS,
          CURRENT_MODEL,
          BATCH_RECOMMENDATIONS,
          SIMILAR_MOVIES,
          MOVIE_STATISTICS,
          USER_RATINGS,
          SPEED_RECOMMENDATIONS,
          TRENDING,
          ONLINE_HITS);

  public static final String STATUS_WRITING = "WRITING";
  public static final String STATUS_COMPLETE = "COMPLETE";

  /** Microseconds in a millisecond: Cassandra write timestamps are microseconds since the epoch. */
  public static final long MICROS_PER_MILLI = 1_000L;

  /**
   * The Cassandra write timestamp of a {@code user_ratings} row: its rated_at (epoch milliseconds)
   * in microseconds. Every writer of the table (the speed layer's sink, the batch job) uses it, so
   * the row holds the latest rating whatever order the writes arrive in, and writing the same
   * rating again is idempotent.
   */
  public static long userRatingWriteTime(long ratedAtMillis) {
    return Math.multiplyExact(ratedAtMillis, MICROS_PER_MILLI);
  }

  // ---- batch layer (keyspace-qualified)

  /** Binds the table's {@link Table#columns}, in their order. */
  public static String insert(String keyspace, Table table) {
    return "INSERT INTO "
        + keyspace
        + "."
        + table.name()
        + " ("
        + String.join(", ", table.columns())
        + ") VALUES ("
        + String.join(", ", Collections.nCopies(table.columns().size(), "?"))
        + ")";
  }

  /** Binds model_name, version, created_at, data_cutoff, path, params, metrics, counts. */
  public static String insertModelWriting(String keyspace) {
    return "INSERT INTO "
        + keyspace
        + ".models (model_name, version, status, created_at, data_cutoff, path, params, metrics, counts)"
        + " VALUES (?, ?, '"
        + STATUS_WRITING
        + "', ?, ?, ?, ?, ?, ?)";
  }

  /** Binds counts, model_name, version. */
  public static String completeModel(String keyspace) {
    return "UPDATE "
        + keyspace
        + ".models SET status = '"
        + STATUS_COMPLETE
        + "', counts = ? WHERE model_name = ? AND version = ?";
  }

  /** Binds model_name, version, switched_at. */
  public static String insertCurrentModel(String keyspace) {
    return "INSERT INTO "
        + keyspace
        + ".current_model (model_name, version, switched_at) VALUES (?, ?, ?)";
  }

  /** Binds model_name; selects version. */
  public static String selectCurrentVersion(String keyspace) {
    return "SELECT version FROM " + keyspace + ".current_model WHERE model_name = ?";
  }

  /** Binds model_name, version; selects data_cutoff. */
  public static String selectDataCutoff(String keyspace) {
    return "SELECT data_cutoff FROM " + keyspace + ".models WHERE model_name = ? AND version = ?";
  }

  // ---- speed layer (the session's keyspace)

  public static final String INSERT_SPEED_RECOMMENDATIONS =
      "INSERT INTO speed_recommendations (user_id, model_version, computed_at, rated_until, top_items) VALUES (?, ?, ?, ?, ?)";

  /**
   * Binds user_id, movie_id, rating, rated_at and the write timestamp, {@link
   * #userRatingWriteTime}(rated_at): the rating's own time, not the writer's clock, so a later
   * rating wins whichever writer comes last and a replay of the same rating writes the same cell.
   */
  public static final String INSERT_USER_RATING =
      "INSERT INTO user_ratings (user_id, movie_id, rating, rated_at) VALUES (?, ?, ?, ?)"
          + " USING TIMESTAMP ?";

  /**
   * Binds the write timestamp ({@link #userRatingWriteTime} of the deletion's time), user_id and
   * movie_id: the deletion of a rating shadows every write of that row up to its time (a rating
   * written later with an older time stays deleted), and a rating of a later time comes back.
   */
  public static final String DELETE_USER_RATING =
      "DELETE FROM user_ratings USING TIMESTAMP ? WHERE user_id = ? AND movie_id = ?";

  public static final String SELECT_USER_RATINGS =
      "SELECT movie_id, rating, rated_at FROM user_ratings WHERE user_id = ?";

  /** Binds model_name; selects version, switched_at. */
  public static final String SELECT_CURRENT_MODEL =
      "SELECT version, switched_at FROM current_model WHERE model_name = ?";

  /** Binds model_name, version; selects data_cutoff, path, metrics. */
  public static final String SELECT_MODEL =
      "SELECT data_cutoff, path, metrics FROM models WHERE model_name = ? AND version = ?";

  /**
   * Binds user_id; selects model_version, computed_at, top_items and items (what the API serves
   * first; {@link #ITEMS_COLUMNS} says which of the two to take).
   */
  public static final String SELECT_SPEED_ROW =
      "SELECT model_version, computed_at, top_items, items FROM speed_recommendations WHERE user_id = ?";

  /**
   * Binds user_id, model_version; selects computed_at, top_items and items ({@link
   * #ITEMS_COLUMNS}).
   */
  public static final String SELECT_BATCH_ROW =
      "SELECT computed_at, top_items, items FROM batch_recommendations WHERE user_id = ? AND model_version = ?";

  /**
   * Selects movie_id, rating_count, rating_mean of every movie (the popular list of cold start).
   */
  public static final String SELECT_MOVIE_COUNTS =
      "SELECT movie_id, rating_count, rating_mean FROM movies";

  /**
   * Binds window_name, window_end, source, model_version, ratings, hits; expire after ttlSeconds.
   */
  public static String insertOnlineHits(int ttlSeconds) {
    return "INSERT INTO online_hits (window_name, window_end, source, model_version, ratings, hits)"
        + " VALUES (?, ?, ?, ?, ?, ?) USING TTL "
        + ttlSeconds;
  }

  /** Binds window_name, window_end, items; rows expire after ttlSeconds. */
  public static String insertTrending(int ttlSeconds) {
    return "INSERT INTO trending (window_name, window_end, items) VALUES (?, ?, ?) USING TTL "
        + ttlSeconds;
  }
}
