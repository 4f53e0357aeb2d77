package moviereco.spark.als;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import moviereco.contracts.Cql;
import moviereco.contracts.TopN;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Conversions between Spark rows and the plain arrays of the scoring loops, and the Cassandra
 * writer.
 */
final class SparkRows {
  private SparkRows() {}

  /** A ranked list's entry as a struct: Cassandra's scored_movie. */
  static final StructType SCORED =
      new StructType()
          .add(Cql.SCORED_MOVIE_FIELDS.get(0), DataTypes.LongType)
          .add(Cql.SCORED_MOVIE_FIELDS.get(1), DataTypes.FloatType);

  /**
   * (key column, {@link Cql#TOP_ITEMS} array of scored_movie): the schema of the recommendations
   * and similar movies rows.
   */
  static StructType rankedLists(String key) {
    return new StructType()
        .add(key, DataTypes.LongType)
        .add(Cql.TOP_ITEMS, DataTypes.createArrayType(SCORED));
  }

  /** A ranked list as the array<struct<movie_id, score>> column (a Scala Seq, as Row wants it). */
  static scala.collection.Seq<Row> scoredRows(TopN.Result s) {
    List<Row> out = new ArrayList<>(s.ids().length);
    for (int i = 0; i < s.ids().length; i++) out.add(RowFactory.create(s.ids()[i], s.scores()[i]));
    return scala.collection.JavaConverters.asScalaBuffer(out).toList();
  }

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
   * The Spark Cassandra connector's write option naming the column that holds each row's write
   * timestamp (a number instead of a name: one timestamp for every row).
   */
  static final String WRITETIME_OPTION = "writetime";
}
