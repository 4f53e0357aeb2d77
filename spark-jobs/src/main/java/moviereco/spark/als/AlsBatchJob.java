package moviereco.spark.als;

import com.datastax.spark.connector.cql.CassandraConnector;
import java.util.LinkedHashMap;
import java.util.Map;
import moviereco.contracts.BatchResult;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The batch layer: retrains ALS from the master dataset in HDFS and publishes a new model version.
 *
 * <p>Phases (each prints {@code PHASE_START <name>} and {@code PHASE <name> <seconds>}, see {@link
 * BatchResult}): read the master dataset ({@link MasterData}); evaluate on a held-out split against
 * baselines ({@link Evaluation}); train the served model ({@link Training}); recommend for every
 * user and find similar movies ({@link Recommendations}); write model files to HDFS and the rows to
 * Cassandra ({@link ModelWriter}), the version's row staying WRITING. The last line is {@code
 * RESULT <json>}. Switching to the version (COMPLETE, the current-model pointer, the announcement
 * on Kafka) is the runner's (batch/runner.ts), the one owner of a switch for runs and rollbacks
 * alike: a run that dies before it leaves the current model serving. See {@link JobOptions} for the
 * flags.
 */
public final class AlsBatchJob {
  private AlsBatchJob() {}

  public static void main(String[] args) throws Exception {
    JobOptions o = JobOptions.parse(args);
    SparkSession.Builder builder = SparkSession.builder().appName("als-batch " + o.version);
    // Spark in this JVM (local[n]) has one executor, so no locality to wait for; and its backend
    // offers the cores again only when a task ends, so a stage whose tasks read cached blocks
    // (process-local) and HDFS files (preferring the DataNode's host) waited forever for the latter
    if (new SparkConf().get("spark.master", "").startsWith("local"))
      builder.config("spark.locality.wait", "0");
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      run(spark, o);
    } finally {
      spark.stop();
    }
  }

  static void run(SparkSession spark, JobOptions o) throws Exception {
    long startedAt = System.currentTimeMillis();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    FileSystem fs = FileSystem.get(spark.sparkContext().hadoopConfiguration());
    spark.sparkContext().setCheckpointDir(fs.getUri() + "/tmp/spark-checkpoints");
    BatchResult.Phases phases = new BatchResult.Phases(System.out);
    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, Long> counts = new LinkedHashMap<>();

    phases.start("read");
    // sized from the cores and the data unless the flags say (Sizing); counted, so the results say
    int parallelism = Sizing.parallelism(spark.sparkContext());
    int partitions = Sizing.shufflePartitions(o.shufflePartitions, parallelism, inputBytes(fs, o));
    spark.conf().set("spark.sql.shuffle.partitions", partitions);
    counts.put("parallelism", (long) parallelism);
    counts.put("shuffle_partitions", (long) partitions);
    MasterData master = MasterData.read(spark, fs, o, startedAt, counts);
    int alsBlocks = Sizing.alsBlocks(o.alsBlocks, parallelism, counts.get("ratings"));
    counts.put("als_blocks", (long) alsBlocks);
    phases.end("read");

    phases.start("evaluate");
    // with --search, every candidate is evaluated and the best one's options serve from here on
    Evaluation.Searched searched = Evaluation.search(jsc, master, o, alsBlocks, metrics, counts);
    Evaluation evaluation = searched.evaluation();
    JobOptions chosen = searched.options();
    phases.end("evaluate");
    if (o.evaluateOnly) {
      phases.result(null, null, null, metrics, counts);
      return;
    }

    phases.start("train");
    Training model = Training.train(master, evaluation, chosen, alsBlocks, counts);
    phases.end("train");

    phases.start("recommend");
    Recommendations recs = Recommendations.compute(jsc, master, model, chosen, counts);
    phases.end("recommend");

    phases.start("write");
    CassandraConnector cassandra = CassandraConnector.apply(spark.sparkContext().getConf());
    String modelPath =
        ModelWriter.write(fs, cassandra, master, model, recs, chosen, metrics, counts);
    phases.end("write");

    phases.result(o.version, master.dataCutoff(), modelPath, metrics, counts);
  }

  /** The bytes of the history and the archived events: what the read shuffles. */
  static long inputBytes(FileSystem fs, JobOptions o) throws Exception {
    long bytes = 0;
    for (String path : new String[] {o.historyPath, o.eventsPath}) {
      Path p = new Path(path);
      if (fs.exists(p)) bytes += fs.getContentSummary(p).getLength();
    }
    return bytes;
  }
}
