package moviereco.spark.als;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import moviereco.contracts.ArchiveLine;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The master dataset: imported history (MovieLens ratings.csv, seconds) plus archived events
 * ({@link ArchiveLine}s, milliseconds), valid ratings only ({@link ValidRating}), the latest rating
 * per user and movie. An archived deletion ({@link ArchiveLine#deleted}) that is the latest event
 * of its user and movie (on a tie with a rating, the deletion wins, as in Cassandra and the speed
 * layer; of two ratings at the same time, the higher) drops the pair. Columns user_id, movie_id
 * (bigint), rating, ts (epoch ms), user, movie (int, for ALS). {@code pairs} holds every pair's
 * latest event, deletions included (a column deleted): what {@link MasterSnapshot} keeps for the
 * next run, with the {@code inputs} it covers.
 */
record MasterData(
    Dataset<Row> ratings, Dataset<Row> pairs, long dataCutoff, MasterSnapshot.Inputs inputs) {
  static final StructType HISTORY_SCHEMA =
      new StructType()
          .add("userId", DataTypes.LongType)
          .add("movieId", DataTypes.LongType)
          .add("rating", DataTypes.FloatType)
          .add("timestamp", DataTypes.LongType)
          .add("_corrupt", DataTypes.StringType);

  /** The archive's columns in {@link ArchiveLine#COLUMNS} order. */
  static final StructType EVENTS_SCHEMA =
      new StructType()
          .add(ArchiveLine.COLUMNS.get(0), DataTypes.LongType)
          .add(ArchiveLine.COLUMNS.get(1), DataTypes.LongType)
          .add(ArchiveLine.COLUMNS.get(2), DataTypes.FloatType)
          .add(ArchiveLine.COLUMNS.get(3), DataTypes.LongType)
          .add(ArchiveLine.COLUMNS.get(4), DataTypes.StringType)
          .add("_corrupt", DataTypes.StringType);

  /**
   * The model's data cutoff: the one asked for, else the newest rating's time, but never later than
   * the run's start. Ratings may be dated up to the allowed skew ahead of the clock; a cutoff in
   * the future would make the speed layer take every fresh rating for one the model already holds
   * (a rating older than the cutoff updates history only) until the clock passed it.
   */
  static long dataCutoff(long asked, long newestRating, long runStartMillis) {
    return asked > 0 ? asked : Math.min(newestRating, runStartMillis);
  }

  /**
   * Reads it: the newest {@link MasterSnapshot} and the archive files it does not cover, or without
   * one (or with a cutoff asked for) the history and the whole archive. Counts rejected (malformed
   * or invalid rows of what was read; rows after the cutoff are not rejects), ratings, users and
   * movies, and the archive files read.
   */
  static MasterData read(
      SparkSession spark, FileSystem fs, JobOptions o, long nowMillis, Map<String, Long> counts)
      throws Exception {
    Map<String, Long> eventFiles = MasterSnapshot.eventFiles(fs, o.eventsPath);
    MasterSnapshot.Found base =
        o.cutoff > 0 ? null : MasterSnapshot.newest(fs, o.modelsPath, o.historyPath);
    List<String> toRead =
        base == null ? new ArrayList<>(eventFiles.keySet()) : base.inputs().notCovered(eventFiles);
    counts.put("master_snapshot", base == null ? 0L : 1L);
    counts.put("event_files_read", (long) toRead.size());
    Dataset<Row> all = base == null ? history(spark, o) : null;
    if (!toRead.isEmpty()) {
      Dataset<Row> archived = archive(spark, fs, toRead);
      all = all == null ? archived : all.unionByName(archived);
    }
    Dataset<Row> pairs;
    if (all == null) {
      counts.put("rejected", 0L);
      counts.put("deletions_read", 0L);
      pairs = snapshot(spark, base);
    } else {
      Dataset<Row> latest = latest(kept(all, o, nowMillis, counts));
      pairs =
          base == null ? latest : merge(spark, snapshot(spark, base), latest, MAX_TOUCHED_PAIRS);
    }
    return fromPairs(
        pairs
            .withColumn("user", col("user_id").cast("int"))
            .withColumn("movie", col("movie_id").cast("int"))
            .cache(),
        o,
        nowMillis,
        new MasterSnapshot.Inputs(o.historyPath, eventFiles),
        counts);
  }

  /** The imported history as read events (columns of {@link #archive}, never archived). */
  private static Dataset<Row> history(SparkSession spark, JobOptions o) {
    return spark
        .read()
        .schema(HISTORY_SCHEMA)
        .option("header", "true")
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt")
        .csv(o.historyPath)
        .select(
            col("userId"),
            col("movieId"),
            col("rating"),
            col("timestamp").multiply(1000L).as("ts"),
            col("_corrupt"),
            lit(false).as("archived"));
  }

  /** Archive files as read events: userId, movieId, rating, ts, _corrupt, archived. */
  private static Dataset<Row> archive(SparkSession spark, FileSystem fs, List<String> files) {
    return spark
        .read()
        .schema(EVENTS_SCHEMA)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", "_corrupt")
        .csv(
            files.stream()
                .map(p -> fs.makeQualified(new Path(p)).toString())
                .toArray(String[]::new))
        .select(
            col(ArchiveLine.COLUMNS.get(0)).as("userId"),
            col(ArchiveLine.COLUMNS.get(1)).as("movieId"),
            col(ArchiveLine.COLUMNS.get(2)).as("rating"),
            col(ArchiveLine.COLUMNS.get(3)).as("ts"),
            col("_corrupt"),
            lit(true).as("archived"));
  }

  /** A snapshot's pairs: user_id, movie_id, rating, ts, deleted. */
  private static Dataset<Row> snapshot(SparkSession spark, MasterSnapshot.Found base) {
    return spark.read().parquet(base.data()).select(PAIR_COLUMNS);
  }

  /**
   * A pair's latest event, as {@link #latest} and {@link #merge} take and give them and the
   * snapshot keeps them.
   */
  static final StructType PAIRS_SCHEMA =
      new StructType()
          .add("user_id", DataTypes.LongType)
          .add("movie_id", DataTypes.LongType)
          .add("rating", DataTypes.FloatType)
          .add("ts", DataTypes.LongType)
          .add("deleted", DataTypes.BooleanType);

  static final Column[] PAIR_COLUMNS =
      Arrays.stream(PAIRS_SCHEMA.fieldNames()).map(name -> col(name)).toArray(Column[]::new);

  /**
   * The valid ratings and deletions of what was read, as user_id, movie_id, rating, ts, deleted;
   * counts the rejected rows and the deletions in one pass.
   */
  private static Dataset<Row> kept(
      Dataset<Row> all, JobOptions o, long nowMillis, Map<String, Long> counts) {
    Column valid = ValidRating.column(nowMillis, o.maxFutureSkewMs);
    // only the archive holds deletions: a rating of 0 in the imported history is a reject
    Column deletion = col("archived").and(ValidRating.deletion(nowMillis, o.maxFutureSkewMs));
    // one pass counts what was read, what is rejected and the deletions
    Row tally =
        all.agg(
                count(lit(1)),
                sum(when(valid, 1).otherwise(0)),
                sum(when(deletion, 1).otherwise(0)))
            .first();
    counts.put("rejected", tally.getLong(0) - tally.getLong(1) - tally.getLong(2));
    counts.put("deletions_read", tally.getLong(2));
    Dataset<Row> kept = all.filter(valid.or(deletion)).withColumn("deleted", deletion);
    if (o.cutoff > 0) kept = kept.filter(col("ts").leq(o.cutoff));
    return kept.select(
        col("userId").as("user_id"),
        col("movieId").as("movie_id"),
        col("rating"),
        col("ts"),
        col("deleted"));
  }

  /**
   * Each pair's latest event; of the same time, a deletion (true sorts after false), else the
   * higher rating, so that the choice does not depend on the order rows come in.
   */
  static Dataset<Row> latest(Dataset<Row> events) {
    Column latest = struct(col("ts"), col("deleted"), col("rating"));
    return events
        .groupBy(col("user_id"), col("movie_id"))
        .agg(
            max_by(col("rating"), latest).as("rating"),
            max(col("ts")).as("ts"),
            max_by(col("deleted"), latest).as("deleted"))
        .select(PAIR_COLUMNS);
  }

  /** Above this many fresh pairs, {@link #merge} shuffles the whole master instead. */
  static final long MAX_TOUCHED_PAIRS = 4_000_000;

  /**
   * The kept pairs with the fresh ones merged in by the latest-event rule: the kept pairs no fresh
   * pair touches pass through as they are (no shuffle of the whole master); only the touched ones
   * are merged with the fresh. The touched pairs' keys go to every task as a sorted array, up to
   * {@code maxTouched} of them; beyond that, everything is merged by one shuffle. The fresh pairs
   * are computed once (persisted) for both uses. Not a local checkpoint: its blocks live only on
   * the executor that wrote them, so a lost worker failed the whole run (the cluster's spark-worker
   * drill met it); persisted blocks keep their lineage and are recomputed from the same fixed list
   * of files.
   */
  static Dataset<Row> merge(
      SparkSession spark, Dataset<Row> kept, Dataset<Row> fresh, long maxTouched) {
    Dataset<Row> freshPairs = fresh.persist(StorageLevel.MEMORY_AND_DISK());
    if (freshPairs.count() > maxTouched) return latest(kept.unionByName(freshPairs));
    long[] keys =
        freshPairs.select(col("user_id"), col("movie_id")).collectAsList().stream()
            .mapToLong(r -> pairKey(r.getLong(0), r.getLong(1)))
            .sorted()
            .toArray();
    Broadcast<long[]> sorted =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(keys);
    UserDefinedFunction touched =
        udf(
            (UDF2<Long, Long, Boolean>)
                (user, movie) -> Arrays.binarySearch(sorted.value(), pairKey(user, movie)) >= 0,
            DataTypes.BooleanType);
    Column isTouched = touched.apply(col("user_id"), col("movie_id"));
    return kept.filter(not(isTouched))
        .unionByName(latest(kept.filter(isTouched).unionByName(freshPairs)));
  }

  /**
   * A (user, movie) pair as one long: both ids are in 1..Integer.MAX_VALUE ({@link ValidRating}).
   */
  static long pairKey(long user, long movie) {
    return (user << 32) | movie;
  }

  /**
   * The master from every pair's latest event (cached): counts the deleted pairs, the ratings,
   * users and movies, and takes the data cutoff from the newest event, a deletion included.
   */
  private static MasterData fromPairs(
      Dataset<Row> pairs,
      JobOptions o,
      long nowMillis,
      MasterSnapshot.Inputs inputs,
      Map<String, Long> counts) {
    Row pairTally =
        pairs.agg(count(lit(1)), sum(when(col("deleted"), 1).otherwise(0)), max(col("ts"))).first();
    long deleted = pairTally.isNullAt(1) ? 0 : pairTally.getLong(1);
    counts.put("deleted_pairs", deleted);
    Dataset<Row> master = pairs.filter(not(col("deleted"))).drop("deleted");
    long rows = pairTally.getLong(0) - deleted;
    counts.put("ratings", rows);
    if (rows == 0) {
      throw new IllegalStateException(
          "no valid ratings in "
              + o.historyPath
              + " (and "
              + o.eventsPath
              + "): nothing to train on");
    }
    long dataCutoff = dataCutoff(o.cutoff, pairTally.getLong(2), nowMillis);
    counts.put("users", master.select("user").distinct().count());
    counts.put("movies", master.select("movie").distinct().count());
    return new MasterData(master, pairs, dataCutoff, inputs);
  }
}
