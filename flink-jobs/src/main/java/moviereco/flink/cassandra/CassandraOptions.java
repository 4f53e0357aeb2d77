package moviereco.flink.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import moviereco.contracts.ClientSecurity;
import moviereco.flink.common.JobSetup;
import org.apache.flink.api.java.utils.ParameterTool;

/**
 * Where Cassandra is and how long a request may take. Flags: {@code --cassandra.contact.points}
 * (127.0.0.1:9042, comma separated), {@code --cassandra.datacenter} (datacenter1), {@code
 * --cassandra.keyspace} (moviereco), {@code --cassandra.consistency} (LOCAL_QUORUM: every read and
 * write of the jobs), and two the caller must give (no defaults): {@code
 * --cassandra.request.timeout.ms}, the driver's timeout of one request, and {@code
 * --cassandra.deadline.ms}, the hard deadline of anything the jobs wait for from Cassandra
 * (connecting, preparing, a whole history read with all its pages, a write; waits for a free slot
 * or for the flush before a checkpoint, which depend on those, give up after two). When it passes,
 * the task fails with a TimeoutException naming what did not complete, and Flink restarts the job
 * from its last checkpoint. The login and TLS come from {@code --client.security.file} ({@link
 * ClientSecurity}; none: no login, no TLS), read where the job is built, so the passwords travel in
 * the job graph and never in its arguments.
 */
public record CassandraOptions(
    String contactPoints,
    String datacenter,
    String keyspace,
    String consistency,
    long requestTimeoutMs,
    long deadlineMs,
    ClientSecurity security)
    implements Serializable {
  public CassandraOptions {
    try {
      DefaultConsistencyLevel.valueOf(consistency);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--cassandra.consistency must be a consistency level such as LOCAL_QUORUM, not "
              + consistency);
    }
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
        params.get("cassandra.consistency", "LOCAL_QUORUM"),
        millis(
            params,
            "cassandra.request.timeout.ms",
            "the Cassandra driver's timeout of one request"),
        millis(
            params,
            "cassandra.deadline.ms",
            "the hard deadline of every Cassandra operation the jobs wait for"),
        ClientSecurity.load(params.get("client.security.file")));
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
                    .withString(DefaultDriverOption.REQUEST_CONSISTENCY, consistency)
                    .build());
    if (security.cassandraUsername() != null)
      builder.withAuthCredentials(security.cassandraUsername(), security.cassandraPassword());
    if (security.cassandraSsl()) builder.withSslContext(sslContext(security.cassandraCaFile()));
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

  /** TLS trusting the PEM CA in {@code caFile}, or the JVM's trust store when there is none. */
  static SSLContext sslContext(String caFile) {
    try {
      if (caFile == null || caFile.isBlank()) return SSLContext.getDefault();
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (InputStream in = Files.newInputStream(Path.of(caFile))) {
        int i = 0;
        for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in))
          trust.setCertificateEntry("ca-" + i++, cert);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use the Cassandra CA file " + caFile, e);
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
