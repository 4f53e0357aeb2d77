package moviereco.spark.smoke;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Proves the batch path end to end: reads a MovieLens-shaped ratings CSV (with header) from HDFS,
 * counts ratings per movie and writes {@code (movie_id int, ratings bigint)} rows to Cassandra.
 *
 * <p>Arguments: {@code <input path> <keyspace> <table>}; the table must exist.
 */
public final class SmokeJob {
  private SmokeJob() {}

  public static void main(String[] args) {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: SmokeJob <input path> <keyspace> <table>");
    }
    SparkSession spark = SparkSession.builder().appName("smoke-ratings-per-movie").getOrCreate();
    try {
      Dataset<Row> counts =
          spark
              .read()
              .option("header", "true")
              .csv(args[0])
              .groupBy("movieId")
              .count()
              .select(col("movieId").cast("int").as("movie_id"), col("count").as("ratings"));
      counts
          .write()
          .format("org.apache.spark.sql.cassandra")
          .option("keyspace", args[1])
          .option("table", args[2])
          .mode("append")
          .save();
      System.out.println("SMOKE_ROWS_WRITTEN " + counts.count());
    } finally {
      spark.stop();
    }
  }
}
