package moviereco.flink.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Writes each element with one prepared statement (or one of several, chosen per element, or a
 * batch of them: one request, one mutation when they share the partition key), asynchronously, with
 * at most {@code maxInFlight} requests outstanding. {@code flush} (called before every checkpoint
 * barrier and at the end of input) waits until all of them are acknowledged, so a completed
 * checkpoint means every earlier write landed. Statements must be idempotent (upserts of the same
 * values), so replaying from a checkpoint leaves the same rows. A failed write fails the job, which
 * then restarts from its last checkpoint; so does a write, a wait for a free slot or a flush that
 * takes longer than the deadline ({@link CassandraOptions#deadlineMs()}).
 *
 * <p>Metrics of the writer (operator {@code <sink name>: Writer}): {@value #ROWS_WRITTEN}, rows
 * Cassandra acknowledged (an element's statements, one unless a {@link Rows} says otherwise), and
 * Flink's standard {@code numRecordsSend} / {@code numRecordsSendErrors}.
 */
public final class CassandraSink<T> implements Sink<T> {
  /** The counter of rows Cassandra acknowledged. */
  public static final String ROWS_WRITTEN = "cassandraRowsWritten";

  /** Binds one element to the prepared statement. */
  @FunctionalInterface
  public interface Binder<T> extends Serializable {
    BoundStatement bind(PreparedStatement statement, T element);
  }

  /**
   * Binds one element to one of the prepared statements (in the order of their CQL), or to a batch
   * of them.
   */
  @FunctionalInterface
  public interface Chooser<T> extends Serializable {
    Statement<?> bind(List<PreparedStatement> statements, T element);
  }

  /** How many rows an element writes (a batch's statements). */
  @FunctionalInterface
  public interface Rows<T> extends Serializable {
    int of(T element);
  }

  private final CassandraOptions options;
  private final List<String> cql;
  private final Chooser<T> binder;
  private final Rows<T> rows;
  private final int maxInFlight;

  public CassandraSink(CassandraOptions options, String cql, Binder<T> binder, int maxInFlight) {
    this(
        options,
        List.of(cql),
        (statements, element) -> binder.bind(statements.get(0), element),
        maxInFlight);
  }

  public CassandraSink(
      CassandraOptions options, List<String> cql, Chooser<T> binder, int maxInFlight) {
    this(options, cql, binder, element -> 1, maxInFlight);
  }

  public CassandraSink(
      CassandraOptions options,
      List<String> cql,
      Chooser<T> binder,
      Rows<T> rows,
      int maxInFlight) {
    this.options = options;
    this.cql = List.copyOf(cql);
    this.binder = binder;
    this.rows = rows;
    this.maxInFlight = maxInFlight;
  }

  @Override
  @SuppressWarnings("deprecation")
  public SinkWriter<T> createWriter(InitContext context) throws IOException {
    return create(context.metricGroup());
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
    return create(context.metricGroup());
  }

  private SinkWriter<T> create(SinkWriterMetricGroup metrics) throws IOException {
    try {
      CqlSession session = options.open();
      try {
        List<PreparedStatement> statements = new ArrayList<>();
        for (String each : cql) statements.add(options.prepare(session, each));
        return new Writer<>(
            element -> session.executeAsync(binder.bind(statements, element)),
            rows,
            "the Cassandra write '" + String.join("' or '", cql) + "'",
            maxInFlight,
            options.deadlineMs(),
            metrics.counter(ROWS_WRITTEN),
            metrics.getNumRecordsSendCounter(),
            metrics.getNumRecordsSendErrorsCounter(),
            () -> options.close(session));
      } catch (TimeoutException | RuntimeException e) {
        options.close(session);
        throw e;
      }
    } catch (TimeoutException e) {
      throw new IOException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to Cassandra", e);
    }
  }

  /** Sends one element; the stage completes when Cassandra acknowledged it. */
  @FunctionalInterface
  interface Request<T> {
    CompletionStage<?> send(T element);
  }

  /**
   * The writer: bounded in-flight requests, each with a deadline. It knows nothing of Cassandra
   * itself.
   */
  static final class Writer<T> implements SinkWriter<T> {
    private final Request<T> request;
    private final Rows<T> rows;
    private final String what;
    private final int maxInFlight;
    private final long deadlineMs;
    private final Semaphore permits;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Counter rowsWritten;
    private final Counter sent;
    private final Counter errors;
    private final AutoCloseable onClose;

    Writer(
        Request<T> request,
        Rows<T> rows,
        String what,
        int maxInFlight,
        long deadlineMs,
        Counter rowsWritten,
        Counter sent,
        Counter errors,
        AutoCloseable onClose) {
      this.request = request;
      this.rows = rows;
      this.what = what;
      this.maxInFlight = maxInFlight;
      this.deadlineMs = deadlineMs;
      this.permits = new Semaphore(maxInFlight);
      this.rowsWritten = rowsWritten;
      this.sent = sent;
      this.errors = errors;
      this.onClose = onClose;
    }

    @Override
    public void write(T element, Context context) throws IOException, InterruptedException {
      rethrow();
      // a slot frees within one deadline (every write completes, fails or times out by then); the
      // wait gives up after two, so the write that timed out is what the error names
      if (!permits.tryAcquire(2 * deadlineMs, TimeUnit.MILLISECONDS)) {
        rethrow();
        throw timeout(
            Deadline.exceeded(
                "a free slot for " + what + " (" + maxInFlight + " writes outstanding)",
                2 * deadlineMs));
      }
      try {
        rethrow(); // a write that failed while this one waited
      } catch (IOException e) {
        permits.release();
        throw e;
      }
      int written = rows.of(element);
      CompletionStage<?> sending;
      try {
        sending = request.send(element);
      } catch (RuntimeException e) {
        permits.release();
        throw e;
      }
      Deadline.within(sending, deadlineMs, what)
          .whenComplete(
              (result, error) -> {
                if (error != null) {
                  failure.compareAndSet(null, error);
                  errors.inc();
                } else {
                  rowsWritten.inc(written);
                  sent.inc();
                }
                permits.release();
              });
    }

    @Override
    public void flush(boolean endOfInput) throws IOException, InterruptedException {
      if (!permits.tryAcquire(maxInFlight, 2 * deadlineMs, TimeUnit.MILLISECONDS)) {
        rethrow();
        throw timeout(
            Deadline.exceeded(
                "the outstanding writes of " + what + " before a checkpoint", 2 * deadlineMs));
      }
      permits.release(maxInFlight);
      rethrow();
    }

    private void rethrow() throws IOException {
      Throwable error = failure.get();
      if (error != null)
        throw new IOException("Cassandra write failed: " + error.getMessage(), error);
    }

    private static IOException timeout(TimeoutException e) {
      return new IOException(e.getMessage(), e);
    }

    @Override
    public void close() throws Exception {
      try {
        flush(true);
      } finally {
        onClose.close();
      }
    }
  }
}
