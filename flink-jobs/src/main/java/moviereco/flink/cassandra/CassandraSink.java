package moviereco.flink.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.io.IOException;
import java.io.Serializable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;

/**
 * Writes each element with one prepared statement, asynchronously, with at most
 * {@code maxInFlight} requests outstanding. {@code flush} (called before every checkpoint barrier
 * and at the end of input) waits until all of them are acknowledged, so a completed checkpoint
 * means every earlier write landed. Statements must be idempotent (upserts of the same values),
 * so replaying from a checkpoint leaves the same rows. A failed write fails the job, which then
 * restarts from its last checkpoint.
 */
public final class CassandraSink<T> implements Sink<T> {
  /** Binds one element to the prepared statement. */
  @FunctionalInterface
  public interface Binder<T> extends Serializable {
    BoundStatement bind(PreparedStatement statement, T element);
  }

  private final CassandraOptions options;
  private final String cql;
  private final Binder<T> binder;
  private final int maxInFlight;

  public CassandraSink(CassandraOptions options, String cql, Binder<T> binder, int maxInFlight) {
    this.options = options;
    this.cql = cql;
    this.binder = binder;
    this.maxInFlight = maxInFlight;
  }

  @Override
  @SuppressWarnings("deprecation")
  public SinkWriter<T> createWriter(InitContext context) {
    return new Writer<>(options.open(), cql, binder, maxInFlight, null);
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) {
    return new Writer<>(options.open(), cql, binder, maxInFlight, context.metricGroup().counter("cassandraWrites"));
  }

  static final class Writer<T> implements SinkWriter<T> {
    private final CqlSession session;
    private final PreparedStatement statement;
    private final Binder<T> binder;
    private final int maxInFlight;
    private final Semaphore permits;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Counter writes;

    Writer(CqlSession session, String cql, Binder<T> binder, int maxInFlight, Counter writes) {
      this.session = session;
      this.statement = session.prepare(cql);
      this.binder = binder;
      this.maxInFlight = maxInFlight;
      this.permits = new Semaphore(maxInFlight);
      this.writes = writes;
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
      rethrow();
      permits.acquire();
      session.executeAsync(binder.bind(statement, element)).whenComplete((result, error) -> {
        if (error != null) failure.compareAndSet(null, error);
        else if (writes != null) writes.inc();
        permits.release();
      });
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
      permits.acquire(maxInFlight);
      permits.release(maxInFlight);
      rethrow();
    }

    private void rethrow() throws IOException {
      Throwable error = failure.get();
      if (error != null) throw new IOException("Cassandra write failed: " + error.getMessage(), error);
    }

    @Override
    public void close() throws Exception {
      try {
        flush(true);
      } finally {
        session.close();
      }
    }
  }
}
