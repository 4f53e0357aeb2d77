package moviereco.flink.speed;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import moviereco.contracts.Cql;
import moviereco.flink.cassandra.CassandraOptions;

/**
 * A user's history from Cassandra {@code user_ratings}, read asynchronously page by page. Each
 * request has the driver's request timeout; the whole read gets the hard deadline from {@link
 * SpeedRecommender}.
 */
public final class CassandraHistoryReader implements HistoryReader {
  private static final int PAGE_SIZE = 5_000;

  private final CassandraOptions options;
  private transient CqlSession session;
  private transient PreparedStatement query;

  public CassandraHistoryReader(CassandraOptions options) {
    this.options = options;
  }

  @Override
  public void open() throws Exception {
    session = options.open();
    query = options.prepare(session, Cql.SELECT_USER_RATINGS);
  }

  @Override
  public CompletionStage<Stored> read(long userId) {
    return session
        .executeAsync(query.bind(userId).setPageSize(PAGE_SIZE))
        .thenCompose(rs -> collect(rs, new Collected()));
  }

  private static CompletionStage<Stored> collect(AsyncResultSet rs, Collected rows) {
    for (Row row : rs.currentPage()) rows.add(row);
    if (!rs.hasMorePages()) return CompletableFuture.completedFuture(rows.stored());
    return rs.fetchNextPage().thenCompose(next -> collect(next, rows));
  }

  @Override
  public void close() throws Exception {
    options.close(session);
  }

  /** Rows as they arrive, into growing arrays. */
  private static final class Collected {
    long[] ids = new long[16];
    float[] values = new float[16];
    long[] times = new long[16];
    int n;

    void add(Row row) {
      if (n == ids.length) {
        ids = Arrays.copyOf(ids, n * 2);
        values = Arrays.copyOf(values, n * 2);
        times = Arrays.copyOf(times, n * 2);
      }
      Instant at = row.getInstant("rated_at");
      ids[n] = row.getLong("movie_id");
      values[n] = row.getFloat("rating");
      times[n] = at == null ? 0 : at.toEpochMilli();
      n++;
    }

    Stored stored() {
      return new Stored(Arrays.copyOf(ids, n), Arrays.copyOf(values, n), Arrays.copyOf(times, n));
    }
  }
}
