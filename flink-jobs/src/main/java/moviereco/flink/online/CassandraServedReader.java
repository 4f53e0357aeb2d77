package moviereco.flink.online;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.data.UdtValue;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import moviereco.contracts.Cql;
import moviereco.contracts.Popularity;
import moviereco.flink.cassandra.CassandraOptions;

/**
 * What the API serves a user, read from Cassandra as the API picks it: the current model (the
 * {@code current_model} pointer, looked up again after {@code modelRefreshMs}), the user's speed
 * row if it is of that model, else their batch row of it, else the popular list (the movies by
 * rating count, then mean, then id, as the API's catalogue ranks them; read once per model version,
 * since the batch writes the counts). A batch row never changes within its version, so the last
 * {@value #BATCH_ROWS_HELD} users' are held: most ratings cost one read, the speed row's.
 */
public final class CassandraServedReader implements ServedReader {
  private final CassandraOptions options;
  private final String modelName;
  private final int k;
  private final long modelRefreshMs;
  private transient CqlSession session;
  private transient PreparedStatement currentQuery;
  private transient PreparedStatement speedQuery;
  private transient PreparedStatement batchQuery;
  private transient PreparedStatement moviesQuery;
  private transient volatile CompletableFuture<String> current;
  private transient volatile long currentAt;
  private transient volatile Popular popular;
  private transient Map<Long, Served> batchRows;

  static final int BATCH_ROWS_HELD = 100_000;

  /** The popular list of one model version. */
  private record Popular(String version, CompletableFuture<long[]> ids) {}

  public CassandraServedReader(
      CassandraOptions options, String modelName, int k, long modelRefreshMs) {
    this.options = options;
    this.modelName = modelName;
    this.k = k;
    this.modelRefreshMs = modelRefreshMs;
  }

  @Override
  public void open() throws Exception {
    session = options.open();
    currentQuery = options.prepare(session, Cql.SELECT_CURRENT_MODEL);
    speedQuery = options.prepare(session, Cql.SELECT_SPEED_ROW);
    batchQuery = options.prepare(session, Cql.SELECT_BATCH_ROW);
    moviesQuery = options.prepare(session, Cql.SELECT_MOVIE_COUNTS);
    batchRows =
        Collections.synchronizedMap(
            new LinkedHashMap<>(1024, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<Long, Served> eldest) {
                return size() > BATCH_ROWS_HELD;
              }
            });
  }

  @Override
  public CompletionStage<Served> read(long userId) {
    return currentVersion()
        .thenCompose(
            version ->
                session
                    .executeAsync(speedQuery.bind(userId))
                    .thenCompose(
                        speed -> {
                          Row row = speed.one();
                          if (row != null
                              && version != null
                              && version.equals(row.getString("model_version")))
                            return done(served(Served.SPEED, version, row, items(row)));
                          if (version == null) return popular("");
                          Served held = batchRows.get(userId);
                          if (held != null && held.modelVersion.equals(version)) return done(held);
                          return session
                              .executeAsync(batchQuery.bind(userId, version))
                              .thenCompose(
                                  batch -> {
                                    Row b = batch.one();
                                    if (b == null) return popular(version);
                                    Served s = served(Served.BATCH, version, b, items(b));
                                    batchRows.put(userId, s);
                                    return done(s);
                                  });
                        }));
  }

  /**
   * A speed or batch row's items: top_items, or items for a row written before that column ({@link
   * Cql#ITEMS_COLUMNS}).
   */
  private static List<UdtValue> items(Row row) {
    for (String column : Cql.ITEMS_COLUMNS)
      if (!row.isNull(column)) return row.getList(column, UdtValue.class);
    return null;
  }

  private Served served(String source, String version, Row row, List<UdtValue> items) {
    int n = items == null ? 0 : Math.min(k, items.size());
    long[] ids = new long[n];
    for (int i = 0; i < n; i++) ids[i] = items.get(i).getLong("movie_id");
    Instant at = row.getInstant("computed_at");
    return new Served(source, version, ids, at == null ? 0 : at.toEpochMilli());
  }

  private static CompletionStage<Served> done(Served s) {
    return CompletableFuture.completedFuture(s);
  }

  /** The current model's version (null before the first), looked up at most every refresh. */
  private CompletableFuture<String> currentVersion() {
    long now = System.currentTimeMillis();
    CompletableFuture<String> c = current;
    if (c == null || now - currentAt >= modelRefreshMs || c.isCompletedExceptionally()) {
      currentAt = now;
      c =
          session
              .executeAsync(currentQuery.bind(modelName))
              .thenApply(
                  rs -> {
                    Row row = rs.one();
                    return row == null ? null : row.getString("version");
                  })
              .toCompletableFuture();
      current = c;
    }
    return c;
  }

  private CompletionStage<Served> popular(String version) {
    Popular p = popular;
    if (p == null || !p.version().equals(version) || p.ids().isCompletedExceptionally()) {
      List<Popularity.Facts> rows = new ArrayList<>();
      p =
          new Popular(
              version,
              session
                  .executeAsync(moviesQuery.bind().setPageSize(5_000))
                  .thenCompose(rs -> collect(rs, rows))
                  .thenApply(all -> Popularity.top(all, k))
                  .toCompletableFuture());
      popular = p;
    }
    return p.ids().thenApply(ids -> new Served(Served.POPULAR, version, ids, 0));
  }

  /** The movies' popularity facts, page by page. */
  private static CompletionStage<List<Popularity.Facts>> collect(
      AsyncResultSet rs, List<Popularity.Facts> rows) {
    for (Row row : rs.currentPage()) {
      rows.add(
          new Popularity.Facts(
              row.getLong("movie_id"),
              row.isNull("rating_count") ? 0 : row.getLong("rating_count"),
              row.isNull("rating_mean") ? null : row.getFloat("rating_mean")));
    }
    if (!rs.hasMorePages()) return CompletableFuture.completedFuture(rows);
    return rs.fetchNextPage().thenCompose(next -> collect(next, rows));
  }

  @Override
  public void close() throws Exception {
    options.close(session);
  }
}
