package moviereco.spark.als;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.spark.connector.cql.CassandraConnector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import moviereco.contracts.Cql;
import moviereco.contracts.ScoredMovies;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Conversions between Spark rows and the plain arrays of the scoring loops, and the Cassandra
 * writer.
 */
final class SparkRows {
  private SparkRows() {}

  /**
   * A partition's rows taken in lists of up to {@code size} and mapped list by list, lazily: the
   * scoring loops work on blocks of users or movies ({@link ItemMatrix#BLOCK}).
   */
  static <T, R> Iterator<R> inBlocks(Iterator<T> rows, int size, Function<List<T>, List<R>> f) {
    return new Iterator<R>() {
      private Iterator<R> current = Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && rows.hasNext()) {
          List<T> block = new ArrayList<>(size);
          while (block.size() < size && rows.hasNext()) block.add(rows.next());
          current = f.apply(block).iterator();
        }
        return current.hasNext();
      }

      @Override
      public R next() {
        if (!hasNext()) throw new NoSuchElementException();
        return current.next();
      }
    };
  }

  /** A vector as an array<float> column's value (a Scala Seq, as Row wants it). */
  static scala.collection.Seq<Float> floatSeq(double[] values) {
    List<Float> out = new ArrayList<>(values.length);
    for (double v : values) out.add((float) v);
    return scala.collection.JavaConverters.asScalaBuffer(out).toList();
  }

  static float[] toFloats(List<?> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) out[i] = ((Number) values.get(i)).floatValue();
    return out;
  }

  static long[] toSortedLongs(List<?> values) {
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) out[i] = ((Number) values.get(i)).longValue();
    Arrays.sort(out);
    return out;
  }

  /**
   * Writes ranked lists into a table whose columns are a key, then {@code between} (the same for
   * every row: the version, and so on), then {@link Cql#TOP_ITEMS}, with the Java driver: as many
   * idempotent inserts in flight per task as the connector's {@link #CONCURRENT_WRITES} allows (one
   * setting for every Cassandra write of the job). The connector's DataFrame writer spent most of
   * this on converting each entry to a UDT value through generic converters (the Spark JVM busy,
   * Cassandra half idle).
   */
  static void writeRanked(
      JavaRDD<Recommendations.Ranked> rows,
      CassandraConnector cassandra,
      String keyspace,
      Cql.Table table,
      List<Object> between) {
    int inFlight = rows.context().getConf().getInt(CONCURRENT_WRITES, 5);
    ConsistencyLevel level = consistency(rows.context().getConf());
    List<String> columns = table.columns();
    if (columns.size() != between.size() + 2
        || !columns.get(columns.size() - 1).equals(Cql.TOP_ITEMS))
      throw new IllegalArgumentException(
          table + " is not (key, " + between.size() + " values, top_items)");
    String insert = Cql.insert(keyspace, table);
    String name = table.name();
    int width = columns.size();
    rows.foreachPartition(
        part -> {
          try (CqlSession session = cassandra.openSession()) {
            PreparedStatement statement = session.prepare(insert);
            Semaphore permits = new Semaphore(inFlight);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            while (part.hasNext() && failure.get() == null) {
              Recommendations.Ranked r = part.next();
              Object[] values = new Object[width - 1];
              values[0] = r.key();
              for (int i = 0; i < between.size(); i++) values[i + 1] = between.get(i);
              permits.acquire();
              session
                  .executeAsync(
                      ScoredMovies.bind(statement.bind(values), Cql.TOP_ITEMS, r.ids(), r.scores())
                          .setIdempotent(true)
                          .setConsistencyLevel(level))
                  .whenComplete(
                      (done, error) -> {
                        if (error != null) failure.compareAndSet(null, error);
                        permits.release();
                      });
            }
            permits.acquire(inFlight); // every insert answered
            if (failure.get() != null)
              throw new IllegalStateException("writing " + name + " failed", failure.get());
          }
        });
  }

  /**
   * Appends the rows to a table; they must have exactly the table's columns the job writes. Their
   * write timestamp is the writer's clock.
   */
  static void writeCassandra(Dataset<Row> rows, String keyspace, Cql.Table table) {
    writeCassandra(rows, keyspace, table, null);
  }

  /**
   * Appends the rows to a table with a write timestamp per row: the table's columns the job writes
   * plus {@code writeTimeColumn} (bigint, microseconds since the epoch), which the connector binds
   * to {@code USING TIMESTAMP} instead of writing it (its {@code writetime} option names the
   * column). Null: the writer's clock.
   */
  static void writeCassandra(
      Dataset<Row> rows, String keyspace, Cql.Table table, String writeTimeColumn) {
    List<String> columns = new ArrayList<>(table.columns());
    if (writeTimeColumn != null) columns.add(writeTimeColumn);
    var writer =
        rows.select(columns.get(0), columns.subList(1, columns.size()).toArray(new String[0]))
            .write()
            .format("org.apache.spark.sql.cassandra")
            .option("keyspace", keyspace)
            .option("table", table.name())
            .mode("append");
    if (writeTimeColumn != null) writer = writer.option(WRITETIME_OPTION, writeTimeColumn);
    writer.save();
  }

  /**
   * The Spark Cassandra connector's setting of its writes' consistency, which the job's own
   * statements take too (CASSANDRA_CONSISTENCY; the connector's default is LOCAL_QUORUM).
   */
  static final String OUTPUT_CONSISTENCY = "spark.cassandra.output.consistency.level";

  /** The consistency of the job's own reads and writes: {@link #OUTPUT_CONSISTENCY}. */
  static ConsistencyLevel consistency(SparkConf conf) {
    return DefaultConsistencyLevel.valueOf(conf.get(OUTPUT_CONSISTENCY, "LOCAL_QUORUM"));
  }

  /** The Spark Cassandra connector's setting of writes in flight per task (its default is 5). */
  static final String CONCURRENT_WRITES = "spark.cassandra.output.concurrent.writes";

  /**
   * The Spark Cassandra connector's write option naming the column that holds each row's write
   * timestamp (a number instead of a name: one timestamp for every row).
   */
  static final String WRITETIME_OPTION = "writetime";
}
