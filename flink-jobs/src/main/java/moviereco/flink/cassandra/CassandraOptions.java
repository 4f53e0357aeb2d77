package moviereco.flink.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.apache.flink.api.java.utils.ParameterTool;

/**
 * Where Cassandra is. Flags: {@code --cassandra.contact.points} (127.0.0.1:9042, comma separated),
 * {@code --cassandra.datacenter} (datacenter1), {@code --cassandra.keyspace} (moviereco).
 */
public record CassandraOptions(String contactPoints, String datacenter, String keyspace) implements Serializable {
  public static CassandraOptions from(ParameterTool params) {
    return new CassandraOptions(
        params.get("cassandra.contact.points", "127.0.0.1:9042"),
        params.get("cassandra.datacenter", "datacenter1"),
        params.get("cassandra.keyspace", "moviereco"));
  }

  public CqlSession open() {
    var builder = CqlSession.builder()
        .withLocalDatacenter(datacenter)
        .withKeyspace(keyspace)
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
            .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
            .build());
    for (String point : contactPoints.split(",")) {
      int colon = point.lastIndexOf(':');
      builder.addContactPoint(new InetSocketAddress(point.substring(0, colon).trim(), Integer.parseInt(point.substring(colon + 1).trim())));
    }
    return builder.build();
  }
}
