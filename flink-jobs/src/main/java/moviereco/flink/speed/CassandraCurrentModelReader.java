package moviereco.flink.speed;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import moviereco.contracts.Cql;
import moviereco.flink.cassandra.CassandraOptions;
import moviereco.flink.cassandra.Deadline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current model from Cassandra: the {@code current_model} pointer (version, switched_at), then
 * that version's {@code models} row (path, data_cutoff, metrics). Connecting, preparing and each
 * read have the job's hard deadline ({@link CassandraOptions#deadlineMs()}), each request the
 * driver's request timeout; a deadline that passes or a failed read throws, naming what.
 */
public final class CassandraCurrentModelReader implements CurrentModelReader {
  private static final Logger LOG = LoggerFactory.getLogger(CassandraCurrentModelReader.class);
  public static final String ORIGIN = "current_model";

  private final CassandraOptions options;

  public CassandraCurrentModelReader(CassandraOptions options) {
    this.options = options;
  }

  @Override
  public Optional<ModelSwitch> read(String modelName) throws Exception {
    CqlSession session = options.open();
    try {
      PreparedStatement pointerQuery = options.prepare(session, Cql.SELECT_CURRENT_MODEL);
      Row pointer =
          Deadline.await(
                  session.executeAsync(pointerQuery.bind(modelName)),
                  options.deadlineMs(),
                  "reading the current_model pointer of " + modelName + " from Cassandra")
              .one();
      if (pointer == null) return toSwitch(modelName, null, null, null, null, null);
      String version = pointer.getString("version");
      Row model = null;
      if (version != null) {
        PreparedStatement modelQuery = options.prepare(session, Cql.SELECT_MODEL);
        model =
            Deadline.await(
                    session.executeAsync(modelQuery.bind(modelName, version)),
                    options.deadlineMs(),
                    "reading the models row of " + modelName + " " + version + " from Cassandra")
                .one();
      }
      return toSwitch(
          modelName,
          version,
          pointer.getInstant("switched_at"),
          model == null ? null : model.getString("path"),
          model == null ? null : model.getInstant("data_cutoff"),
          model == null ? null : model.getMap("metrics", String.class, Double.class));
    } finally {
      options.close(session);
    }
  }

  /**
   * The switch a pointer and its model row describe; empty (logged) when there is no pointer, or
   * when its version has no usable row (the announcements still apply). A pointer without
   * switched_at counts as older than every announcement.
   */
  static Optional<ModelSwitch> toSwitch(
      String modelName,
      String version,
      Instant switchedAt,
      String path,
      Instant dataCutoff,
      Map<String, Double> metrics) {
    if (version == null) {
      LOG.info("no current model {} in Cassandra (no batch run yet)", modelName);
      return Optional.empty();
    }
    if (path == null || dataCutoff == null) {
      LOG.warn(
          "current_model points at {} {}, which has no models row with a path and a data cutoff;"
              + " waiting for announcements",
          modelName,
          version);
      return Optional.empty();
    }
    if (switchedAt == null)
      LOG.warn(
          "current_model of {} has no switched_at: any announcement of another version wins",
          modelName);
    ModelSwitch s =
        new ModelSwitch(
            new ModelRef(modelName, version, path, dataCutoff.toEpochMilli()),
            switchedAt == null ? ModelSwitch.UNKNOWN : switchedAt.toEpochMilli(),
            ORIGIN);
    LOG.info("Cassandra says the current model is {} (metrics {})", s, metrics);
    return Optional.of(s);
  }
}
