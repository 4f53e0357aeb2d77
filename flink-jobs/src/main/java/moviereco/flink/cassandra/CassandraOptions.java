package moviereco.flink.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import moviereco.flink.common.JobSetup;
import org.apache.flink.api.java.utils.ParameterTool;

/**
 * Where Cassandra is and how long a request may take. Flags: {@code --cassandra.contact.points}
 * (127.0.0.1:9042, comma separated), {@code --cassandra.datacenter} (datacenter1), {@code
 * --cassandra.keyspace} (moviereco), and two the caller must give (no defaults): {@code
 * --cassandra.request.timeout.ms}, the driver's timeout of one request, and {@code
 * --cassandra.deadline.ms}, the hard deadline of anything the jobs wait for from Cassandra
 * (connecting, preparing, a whole history read with all its pages, a write; waits for a free slot
 * or for the flush before a checkpoint, which depend on those, give up after two). When it passes,
 * the task fails with a TimeoutException naming what did not complete, and Flink restarts the job
 * from its last checkpoint.
 */
public record CassandraOptions(
    String contactPoints,
    String datacenter,
    String keyspace,
    long requestTimeoutMs,
    long deadlineMs)
    implements Serializable {
  public CassandraOptions {
    if (requestTimeoutMs <= 0)
      throw new IllegalArgumentException(
          "--cassandra.request.timeout.ms must be positive, not " + requestTimeoutMs);
    if (deadlineMs <= 0)
      throw new IllegalArgumentException(
          "--cassandra.deadline.ms must be positive, not " + deadlineMs);
  }

  public static CassandraOptions from(ParameterTool params) {
    return new CassandraOptions(
        params.get("cassandra.contact.points", "127.0.0.1:9042"),
        params.get("cassandra.datacenter", "datacenter1"),
        params.get("cassandra.keyspace", "moviereco"),
        millis(
            params,
            "cassandra.request.timeout.ms",
            "the Cassandra driver's timeout of one request"),
        millis(
            params,
            "cassandra.deadline.ms",
            "the hard deadline of every Cassandra operation the jobs wait for"));
  }

  private static long millis(ParameterTool params, String name, String what) {
    String value = JobSetup.required(params, name, what);
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + name + " must be a number of milliseconds, not " + value);
    }
  }

  /** A session, connected within the deadline. */
  public CqlSession open() throws TimeoutException, InterruptedException {
    var builder =
        CqlSession.builder()
            .withLocalDatacenter(datacenter)
            .withKeyspace(keyspace)
            .withConfigLoader(
                DriverConfigLoader.programmaticBuilder()
                    .withDuration(
                        DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofMillis(requestTimeoutMs))
                    .withDuration(
                        DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
                    .build());
    for (String point : contactPoints.split(",")) {
      int colon = point.lastIndexOf(':');
      builder.addContactPoint(
          new InetSocketAddress(
              point.substring(0, colon).trim(),
              Integer.parseInt(point.substring(colon + 1).trim())));
    }
    CompletionStage<CqlSession> connecting = builder.buildAsync();
    try {
      return Deadline.await(connecting, deadlineMs, "connecting to Cassandra at " + contactPoints);
    } catch (TimeoutException | InterruptedException e) {
      connecting.thenAccept(CqlSession::closeAsync); // if it connects after all, do not leak it
      throw e;
    }
  }

  /** A prepared statement, within the deadline. */
  public PreparedStatement prepare(CqlSession session, String cql)
      throws TimeoutException, InterruptedException {
    return Deadline.await(
        session.prepareAsync(cql), deadlineMs, "preparing '" + cql + "' on Cassandra");
  }

  /** Closes a session, forcibly if it does not close within the deadline. */
  public void close(CqlSession session) throws InterruptedException {
    if (session == null) return;
    try {
      Deadline.await(session.closeAsync(), deadlineMs, "closing the Cassandra session");
    } catch (TimeoutException | RuntimeException e) {
      session.forceCloseAsync();
    }
  }
}
