package moviereco.spark.als;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.spark.connector.cql.CassandraConnector;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import moviereco.contracts.Cql;
import moviereco.contracts.ModelFiles;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a version: its registry row (status WRITING), the model files in HDFS ({@link ModelFiles})
 * and the {@link MasterSnapshot}, then every Cassandra row of the version: batch recommendations,
 * similar movies, movie statistics and the user ratings newer than the current model's data.
 * Nothing here serves until {@link ModelSwitch}.
 */
final class ModelWriter {
  private ModelWriter() {}

  /**
   * Writes everything; returns the model's path (the file system's URI, the models folder, the
   * version).
   */
  static String write(
      FileSystem fs,
      CassandraConnector cassandra,
      MasterData master,
      Training model,
      Recommendations recs,
      JobOptions o,
      Map<String, Double> metrics,
      Map<String, Long> counts)
      throws Exception {
    String modelPath = fs.getUri() + o.modelsPath + "/" + o.version;
    try (CqlSession session = cassandra.openSession()) {
      session.execute(
          SimpleStatement.newInstance(
                  Cql.insertModelWriting(o.keyspace),
                  o.modelName,
                  o.version,
                  Instant.now(),
                  Instant.ofEpochMilli(master.dataCutoff()),
                  modelPath,
                  o.params(),
                  metrics,
                  counts)
              .setConsistencyLevel(level()));
    }
    timed(
        "model files",
        () -> {
          writeFactors(model.userFactors(), modelPath + "/" + ModelFiles.USER_FACTORS);
          writeFactors(model.itemFactors(), modelPath + "/" + ModelFiles.ITEM_FACTORS);
        });
    // a master read up to an asked-for cutoff is not the whole master: no snapshot of it
    if (o.cutoff <= 0)
      timed(
          "master snapshot",
          () -> MasterSnapshot.write(fs, master.pairs(), modelPath, master.inputs()));
    timed(
        "batch_recommendations",
        () ->
            SparkRows.writeRanked(
                recs.forUsers(),
                cassandra,
                o.keyspace,
                Cql.BATCH_RECOMMENDATIONS,
                List.of(o.version, recs.computedAt())));
    timed(
        "similar_movies",
        () ->
            SparkRows.writeRanked(
                recs.similar(), cassandra, o.keyspace, Cql.SIMILAR_MOVIES, List.of(o.version)));
    Dataset<Row> ratings = master.ratings();
    timed(
        "movie statistics",
        () ->
            SparkRows.writeCassandra(
                ratings
                    .groupBy("movie_id")
                    .agg(
                        count(lit(1)).as("rating_count"),
                        avg("rating").cast("float").as("rating_mean")),
                o.keyspace,
                Cql.MOVIE_STATISTICS));
    long since = previousCutoff(cassandra, o);
    // sorted by user within each Spark partition, so that the connector's batches (grouped by
    // Cassandra partition, up to BATCH_CASSANDRA_BATCH_BYTES) each hold several of a user's rows
    // instead of one: the master's rows come in hash order, where a user's next row is thousands
    // of rows away and the connector's grouping buffer has long flushed its batch
    Dataset<Row> newRatings =
        userRatingRows(ratings.filter(col("ts").gt(since))).sortWithinPartitions("user_id");
    counts.put("user_ratings_written", newRatings.count());
    timed(
        "user_ratings",
        () -> SparkRows.writeCassandra(newRatings, o.keyspace, Cql.USER_RATINGS, WRITE_TIME));
    writeMetadata(
        fs, modelPath, metadata(o, master.dataCutoff(), model.biases().mean, metrics, counts));
    return modelPath;
  }

  /**
   * Runs one part of the write phase and says how long it took on stderr (the run's log,
   * .stack/logs/batch.log): which table the phase's time goes to.
   */
  private static void timed(String what, Part write) throws Exception {
    long start = System.nanoTime();
    write.run();
    System.err.printf("write phase: %s in %.1f s%n", what, (System.nanoTime() - start) / 1e9);
  }

  /** A part of the write phase. */
  private interface Part {
    void run() throws Exception;
  }

  /** The column of a user_ratings row's write timestamp (not a column of the table). */
  static final String WRITE_TIME = "write_time";

  /**
   * Master data rows (user_id, movie_id, rating, ts in epoch ms) as user_ratings rows plus their
   * write timestamp, {@link #WRITE_TIME}: the rating's own time, as the speed layer writes it
   * ({@link Cql#userRatingWriteTime}), so a rating read from the archive never overwrites a newer
   * one the speed layer wrote meanwhile, and rewriting the same rating is idempotent.
   */
  static Dataset<Row> userRatingRows(Dataset<Row> ratings) {
    return ratings.select(
        col("user_id"),
        col("movie_id"),
        col("rating"),
        col("ts").divide(1000).cast("timestamp").as("rated_at"),
        writeTimeMicros(col("ts")).as(WRITE_TIME));
  }

  /** {@link Cql#userRatingWriteTime} as a column: epoch milliseconds → microseconds (bigint). */
  static Column writeTimeMicros(Column ratedAtMillis) {
    return ratedAtMillis.cast("bigint").multiply(Cql.MICROS_PER_MILLI);
  }

  /** The consistency of the job's own statements (CASSANDRA_CONSISTENCY, by the Spark conf). */
  private static ConsistencyLevel level() {
    return SparkRows.consistency(SparkSession.active().sparkContext().getConf());
  }

  /** The current model's data cutoff (epoch ms), or Long.MIN_VALUE when there is none. */
  static long previousCutoff(CassandraConnector cassandra, JobOptions o) {
    try (CqlSession session = cassandra.openSession()) {
      var current =
          session
              .execute(
                  SimpleStatement.newInstance(Cql.selectCurrentVersion(o.keyspace), o.modelName)
                      .setConsistencyLevel(level()))
              .one();
      if (current == null) return Long.MIN_VALUE;
      var model =
          session
              .execute(
                  SimpleStatement.newInstance(
                          Cql.selectDataCutoff(o.keyspace), o.modelName, current.getString(0))
                      .setConsistencyLevel(level()))
              .one();
      return model == null || model.getInstant(0) == null
          ? Long.MIN_VALUE
          : model.getInstant(0).toEpochMilli();
    }
  }

  /** Factors (id, features, bias) as {@link ModelFiles} factor lines, in one file. */
  static void writeFactors(Dataset<Row> factors, String path) {
    factors
        .select("id", "features", "bias")
        .map(
            (MapFunction<Row, String>)
                r ->
                    ModelFiles.formatFactorLine(
                        r.getInt(0), r.getFloat(2), SparkRows.toFloats(r.getList(1))),
            Encoders.STRING())
        .coalesce(1)
        .write()
        .mode("overwrite")
        .text(path);
  }

  static ModelFiles.Metadata metadata(
      JobOptions o,
      long dataCutoff,
      double mean,
      Map<String, Double> metrics,
      Map<String, Long> counts) {
    return new ModelFiles.Metadata(
        o.modelName,
        o.version,
        dataCutoff,
        o.biases ? mean : 0,
        o.biases,
        o.implicit,
        o.alpha,
        o.reg,
        o.biases ? Biases.USER_DAMPING : 0,
        o.rank,
        o.params(),
        metrics,
        counts);
  }

  static void writeMetadata(FileSystem fs, String modelPath, ModelFiles.Metadata metadata)
      throws Exception {
    try (OutputStream out =
        fs.create(new Path(URI.create(modelPath + "/" + ModelFiles.METADATA)), true)) {
      out.write(metadata.toJson().getBytes(StandardCharsets.UTF_8));
    }
  }
}
