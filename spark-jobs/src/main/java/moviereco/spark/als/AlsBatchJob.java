package moviereco.spark.als;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.spark.connector.cql.CassandraConnector;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import moviereco.avro.ModelPublished;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.mllib.evaluation.RankingMetrics;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * The batch layer: retrains ALS from the master dataset in HDFS and publishes a new model version.
 *
 * <p>Phases (each prints {@code PHASE <name> <seconds>}): read the master dataset (imported history
 * plus archived events, latest rating per user and movie wins); evaluate on a held-out split
 * against baselines; train the served model; write factors and metadata to HDFS; write the batch
 * view, similar movies, movie statistics and user ratings to Cassandra; only then mark the version
 * COMPLETE, switch the current-model pointer and announce it on Kafka. A run that dies before the
 * switch leaves the current model serving. See {@link JobOptions} for the flags.
 */
public final class AlsBatchJob {
  private AlsBatchJob() {}

  static final StructType HISTORY_SCHEMA = new StructType()
      .add("userId", DataTypes.LongType).add("movieId", DataTypes.LongType)
      .add("rating", DataTypes.FloatType).add("timestamp", DataTypes.LongType)
      .add("_corrupt", DataTypes.StringType);
  /** archived events (speed layer's archive job): userId,movieId,rating,ratedAtMillis,eventId */
  static final StructType EVENTS_SCHEMA = new StructType()
      .add("userId", DataTypes.LongType).add("movieId", DataTypes.LongType)
      .add("rating", DataTypes.FloatType).add("ratedAt", DataTypes.LongType)
      .add("eventId", DataTypes.StringType).add("_corrupt", DataTypes.StringType);
  static final StructType SCORED = new StructType().add("movie_id", DataTypes.LongType).add("score", DataTypes.FloatType);

  private static long phaseStart;
  private static final Map<String, Double> PHASES = new LinkedHashMap<>();

  static void phase(String name) {
    long now = System.nanoTime();
    System.out.println("PHASE_START " + name);
    phaseStart = now;
  }

  static void endPhase(String name) {
    double seconds = (System.nanoTime() - phaseStart) / 1e9;
    PHASES.put(name, seconds);
    System.out.printf("PHASE %s %.1f%n", name, seconds);
  }

  public static void main(String[] args) throws Exception {
    JobOptions o = JobOptions.parse(args);
    SparkSession spark = SparkSession.builder().appName("als-batch " + o.version).getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    try {
      run(spark, o);
    } finally {
      spark.stop();
    }
  }

  static void run(SparkSession spark, JobOptions o) throws Exception {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    FileSystem fs = FileSystem.get(spark.sparkContext().hadoopConfiguration());
    spark.sparkContext().setCheckpointDir(fs.getUri() + "/tmp/spark-checkpoints");
    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, Long> counts = new LinkedHashMap<>();

    // ---- read
    phase("read");
    Dataset<Row> history = spark.read().schema(HISTORY_SCHEMA).option("header", "true")
        .option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt").csv(o.historyPath);
    Dataset<Row> all = history.select(col("userId"), col("movieId"), col("rating"), col("timestamp").multiply(1000L).as("ts"), col("_corrupt"));
    Path events = new Path(o.eventsPath);
    if (fs.exists(events)) {
      Dataset<Row> archived = spark.read().schema(EVENTS_SCHEMA).option("mode", "PERMISSIVE")
          .option("columnNameOfCorruptRecord", "_corrupt").option("recursiveFileLookup", "true").csv(o.eventsPath);
      all = all.unionByName(archived.select(col("userId"), col("movieId"), col("rating"), col("ratedAt").as("ts"), col("_corrupt")));
    }
    Column wellFormed = col("_corrupt").isNull().and(col("userId").gt(0)).and(col("movieId").gt(0))
        .and(col("rating").between(0.5, 5.0)).and(col("ts").isNotNull());
    // one pass counts what was read and what is malformed (rows after the cutoff are not rejects)
    Row tally = all.agg(count(lit(1)), sum(when(wellFormed, 1).otherwise(0))).first();
    counts.put("rejected", tally.getLong(0) - tally.getLong(1));
    Dataset<Row> valid = all.filter(wellFormed);
    if (o.cutoff > 0) valid = valid.filter(col("ts").leq(o.cutoff));
    Dataset<Row> master = valid.groupBy(col("userId").as("user_id"), col("movieId").as("movie_id"))
        .agg(max_by(col("rating"), col("ts")).as("rating"), max(col("ts")).as("ts"))
        .select(col("user_id"), col("movie_id"), col("rating"), col("ts"),
            col("user_id").cast("int").as("user"), col("movie_id").cast("int").as("movie"))
        .cache();
    long rows = master.count();
    counts.put("ratings", rows);
    if (rows == 0) throw new IllegalStateException("no valid ratings in " + o.historyPath + " (and " + o.eventsPath + "): nothing to train on");
    Row span = master.agg(max(col("ts"))).first();
    long dataCutoff = o.cutoff > 0 ? o.cutoff : span.getLong(0);
    counts.put("users", master.select("user").distinct().count());
    counts.put("movies", master.select("movie").distinct().count());
    endPhase("read");

    // ---- evaluate on a held-out split, beside the baselines
    phase("evaluate");
    Dataset<Row>[] split;
    if (o.split.equals("random")) {
      split = master.randomSplit(new double[] {1 - o.testFraction, o.testFraction}, o.seed);
    } else {
      double boundary = master.stat().approxQuantile("ts", new double[] {1 - o.testFraction}, 0.001)[0];
      split = new Dataset[] {master.filter(col("ts").leq(boundary)), master.filter(col("ts").gt(boundary))};
    }
    Dataset<Row> train = split[0].cache();
    Dataset<Row> test = split[1].cache();
    Biases trainBiases = Biases.fit(train);
    ALSModel evalModel = als(o).fit(target(train, trainBiases, o));
    // an implicit model predicts preferences (0..1), not ratings: RMSE and MAE only mean something for explicit ones
    if (!o.implicit) {
      Dataset<Row> predicted = predict(evalModel, test, trainBiases, o).cache();
      RegressionEvaluator rmse = new RegressionEvaluator().setMetricName("rmse").setLabelCol("rating").setPredictionCol("prediction");
      RegressionEvaluator mae = new RegressionEvaluator().setMetricName("mae").setLabelCol("rating").setPredictionCol("prediction");
      metrics.put("rmse", rmse.evaluate(predicted));
      metrics.put("mae", mae.evaluate(predicted));
      // the baseline is judged on exactly the rows ALS predicted
      Dataset<Row> baseline = trainBiases.attach(predicted.select("user", "movie", "rating"))
          .withColumn("prediction", least(lit(5.0), greatest(lit(0.5), trainBiases.baseline())));
      metrics.put("baseline_rmse", rmse.evaluate(baseline));
      metrics.put("baseline_mae", mae.evaluate(baseline));
      counts.put("test_predicted", predicted.count());
    }
    counts.put("test_ratings", test.count());
    rankingMetrics(spark, jsc, o, train, test, evalModel, trainBiases, metrics);
    endPhase("evaluate");
    if (o.evaluateOnly) {
      System.out.println("RESULT {\"metrics\":" + jsonMap(metrics) + ",\"counts\":" + jsonMap(counts) + ",\"phases\":" + jsonMap(PHASES) + "}");
      return;
    }

    // ---- train the served model
    phase("train");
    Biases biases = o.finalFit.equals("all") ? Biases.fit(master) : trainBiases;
    ALSModel model = o.finalFit.equals("all") ? als(o).fit(target(master, biases, o)) : evalModel;
    Dataset<Row> itemFactors = itemFactors(model, biases, o).cache();
    Dataset<Row> userFactors = userFactors(model, biases, o).cache();
    ItemMatrix items = ItemMatrix.fromRows(itemFactors.collectAsList(), o.rank);
    Broadcast<ItemMatrix> itemsB = jsc.broadcast(items);
    endPhase("train");

    // ---- recommend for all users, similar movies
    phase("recommend");
    Dataset<Row> rated = master.groupBy("user").agg(collect_list(col("movie_id")).as("rated"));
    Dataset<Row> userInput = userFactors.join(rated, userFactors.col("id").equalTo(rated.col("user")));
    int topN = o.topN;
    JavaRDD<Row> recRows = userInput.toJavaRDD().map(r -> {
      float[] u = toFloats(r.getList(r.fieldIndex("features")));
      long[] exclude = toSortedLongs(r.getList(r.fieldIndex("rated")));
      ItemMatrix.Scored s = itemsB.value().topN(u, r.getFloat(r.fieldIndex("offset")), exclude, topN);
      return RowFactory.create((long) r.getInt(r.fieldIndex("id")), scoredRows(s));
    });
    StructType recSchema = new StructType().add("user_id", DataTypes.LongType).add("items", DataTypes.createArrayType(SCORED));
    Dataset<Row> recs = spark.createDataFrame(recRows, recSchema)
        .withColumn("model_version", lit(o.version))
        .withColumn("computed_at", lit(new java.sql.Timestamp(System.currentTimeMillis())))
        .cache();
    counts.put("recommended_users", recs.count());
    int similarN = o.similarN;
    List<Integer> indices = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) indices.add(i);
    JavaRDD<Row> simRows = jsc.parallelize(indices, Math.max(2, items.size() / 2000)).map(i -> {
      ItemMatrix m = itemsB.value();
      return RowFactory.create(m.ids[i], scoredRows(m.similar(i, similarN)));
    });
    StructType simSchema = new StructType().add("movie_id", DataTypes.LongType).add("items", DataTypes.createArrayType(SCORED));
    Dataset<Row> similar = spark.createDataFrame(simRows, simSchema).withColumn("model_version", lit(o.version)).cache();
    counts.put("similar_movies", similar.count());
    endPhase("recommend");

    // ---- write: HDFS model files, then every Cassandra row of this version
    phase("write");
    CassandraConnector cassandra = CassandraConnector.apply(spark.sparkContext().getConf());
    String modelPath = fs.getUri() + o.modelsPath + "/" + o.version;
    try (CqlSession session = cassandra.openSession()) {
      session.execute(String.format(
          "INSERT INTO %s.models (model_name, version, status, created_at, data_cutoff, path, params, metrics, counts) VALUES (?, ?, 'WRITING', ?, ?, ?, ?, ?, ?)", o.keyspace),
          o.modelName, o.version, Instant.now(), Instant.ofEpochMilli(dataCutoff), modelPath, o.params(), metrics, counts);
    }
    writeFactors(userFactors.select("id", "features", "bias"), modelPath + "/user-factors");
    writeFactors(itemFactors.select("id", "features", "bias"), modelPath + "/item-factors");
    writeCassandra(recs.select("user_id", "model_version", "computed_at", "items"), o.keyspace, "batch_recommendations");
    writeCassandra(similar.select("movie_id", "model_version", "items"), o.keyspace, "similar_movies");
    writeCassandra(master.groupBy("movie_id").agg(count(lit(1)).as("rating_count"), avg("rating").cast("float").as("rating_mean")), o.keyspace, "movies");
    long since = previousCutoff(cassandra, o);
    Dataset<Row> newRatings = master.filter(col("ts").gt(since))
        .select(col("user_id"), col("movie_id"), col("rating"), col("ts").divide(1000).cast("timestamp").as("rated_at"));
    counts.put("user_ratings_written", newRatings.count());
    writeCassandra(newRatings, o.keyspace, "user_ratings");
    writeMetadata(fs, modelPath, o, dataCutoff, biases.mean, metrics, counts);
    endPhase("write");

    // ---- switch: only now does the new version serve
    phase("switch");
    if (o.pauseBeforeSwitchMs > 0) {
      System.out.println("PAUSE before switch " + o.pauseBeforeSwitchMs + " ms");
      Thread.sleep(o.pauseBeforeSwitchMs);
    }
    try (CqlSession session = cassandra.openSession()) {
      session.execute(String.format("UPDATE %s.models SET status = 'COMPLETE', counts = ? WHERE model_name = ? AND version = ?", o.keyspace), counts, o.modelName, o.version);
      session.execute(String.format("INSERT INTO %s.current_model (model_name, version, switched_at) VALUES (?, ?, ?)", o.keyspace), o.modelName, o.version, Instant.now());
    }
    if (!o.kafkaBrokers.isEmpty()) announce(o, modelPath, dataCutoff, metrics);
    endPhase("switch");

    StringBuilder json = new StringBuilder("{\"version\":\"" + o.version + "\",\"dataCutoff\":" + dataCutoff + ",\"path\":\"" + modelPath + "\"");
    json.append(",\"metrics\":").append(jsonMap(metrics)).append(",\"counts\":").append(jsonMap(counts)).append(",\"phases\":").append(jsonMap(PHASES)).append('}');
    System.out.println("RESULT " + json);
  }

  static ALS als(JobOptions o) {
    return new ALS().setRank(o.rank).setRegParam(o.reg).setMaxIter(o.iterations).setImplicitPrefs(o.implicit).setAlpha(o.alpha)
        .setUserCol("user").setItemCol("movie").setRatingCol("target").setColdStartStrategy("drop")
        .setSeed(o.seed).setCheckpointInterval(10).setNumBlocks(4);
  }

  /** What ALS learns: the rating, or with biases what mean and biases leave of it. */
  static Dataset<Row> target(Dataset<Row> ratings, Biases biases, JobOptions o) {
    if (!o.biases) return ratings.withColumn("target", col("rating"));
    return biases.attach(ratings).withColumn("target", col("rating").minus(biases.baseline()));
  }

  /** Predicted ratings for (user, movie) rows: ALS's part plus, with biases, mean and biases; clipped to 0.5..5. */
  static Dataset<Row> predict(ALSModel model, Dataset<Row> rows, Biases biases, JobOptions o) {
    Dataset<Row> p = model.transform(rows);
    if (o.biases) p = biases.attach(p).withColumn("prediction", col("prediction").plus(biases.baseline()));
    return p.withColumn("prediction", least(lit(5.0), greatest(lit(0.5), col("prediction"))));
  }

  /** (id, features, bias): the movie's factors and its bias (0 without biases). */
  static Dataset<Row> itemFactors(ALSModel model, Biases biases, JobOptions o) {
    Dataset<Row> f = model.itemFactors();
    if (!o.biases) return f.withColumn("bias", lit(0f));
    return f.join(biases.items, f.col("id").equalTo(biases.items.col("movie")), "left").select(col("id"), col("features"), coalesce(col("bi"), lit(0.0)).cast("float").as("bias"));
  }

  /** (id, features, bias, offset): the user's factors, bias, and the constant added to every score (mean + bias). */
  static Dataset<Row> userFactors(ALSModel model, Biases biases, JobOptions o) {
    Dataset<Row> f = model.userFactors();
    if (!o.biases) return f.withColumn("bias", lit(0f)).withColumn("offset", lit(0f));
    return f.join(biases.users, f.col("id").equalTo(biases.users.col("user")), "left")
        .select(col("id"), col("features"), coalesce(col("bu"), lit(0.0)).cast("float").as("bias"))
        .withColumn("offset", col("bias").plus(lit(biases.mean)).cast("float"));
  }

  /**
   * precision, recall, NDCG and MAP at 10 and catalogue coverage for ALS and for the popularity
   * baseline, on a sample of test users; relevant = test ratings of 4 stars or more.
   */
  static void rankingMetrics(SparkSession spark, JavaSparkContext jsc, JobOptions o, Dataset<Row> train, Dataset<Row> test, ALSModel model, Biases biases, Map<String, Double> metrics) {
    int k = 10;
    Dataset<Row> relevant = test.filter(col("rating").geq(4.0)).groupBy("user").agg(collect_list(col("movie_id")).as("relevant"));
    Dataset<Row> seen = train.groupBy("user").agg(collect_list(col("movie_id")).as("seen"));
    Dataset<Row> users = relevant.join(seen, "user").orderBy(org.apache.spark.sql.functions.hash(col("user"), lit(o.seed))).limit(o.rankingUsers);
    Dataset<Row> factors = userFactors(model, biases, o);
    Dataset<Row> input = users.join(factors, users.col("user").equalTo(factors.col("id")));
    Broadcast<ItemMatrix> itemsB = jsc.broadcast(ItemMatrix.fromRows(itemFactors(model, biases, o).collectAsList(), o.rank));
    List<Row> popularRows = train.groupBy("movie_id").count().orderBy(col("count").desc(), col("movie_id")).limit(2000).collectAsList();
    long[] popular = popularRows.stream().mapToLong(r -> r.getLong(0)).toArray();
    Broadcast<long[]> popularB = jsc.broadcast(popular);

    JavaRDD<Tuple2<List<Long>, List<Long>>[]> pairs = input.toJavaRDD().map(r -> {
      long[] seenIds = toSortedLongs(r.getList(r.fieldIndex("seen")));
      List<Long> truth = r.getList(r.fieldIndex("relevant"));
      ItemMatrix.Scored s = itemsB.value().topN(toFloats(r.getList(r.fieldIndex("features"))), r.getFloat(r.fieldIndex("offset")), seenIds, k);
      List<Long> als = new ArrayList<>();
      for (long id : s.ids()) als.add(id);
      List<Long> pop = new ArrayList<>();
      for (long id : popularB.value()) {
        if (pop.size() == k) break;
        if (Arrays.binarySearch(seenIds, id) < 0) pop.add(id);
      }
      @SuppressWarnings("unchecked")
      Tuple2<List<Long>, List<Long>>[] out = new Tuple2[] {new Tuple2<>(als, truth), new Tuple2<>(pop, truth)};
      return out;
    }).cache();
    long catalogue = train.select("movie").distinct().count();
    String[] names = {"", "popularity_"};
    for (int m = 0; m < 2; m++) {
      int which = m;
      JavaRDD<Tuple2<List<Long>, List<Long>>> forModel = pairs.map(p -> p[which]);
      RankingMetrics<Long> rm = RankingMetrics.of(forModel);
      metrics.put(names[m] + "precision@10", rm.precisionAt(k));
      metrics.put(names[m] + "recall@10", rm.recallAt(k));
      metrics.put(names[m] + "ndcg@10", rm.ndcgAt(k));
      metrics.put(names[m] + "map@10", rm.meanAveragePrecisionAt(k));
      long distinct = forModel.flatMap(p -> p._1().iterator()).distinct().count();
      metrics.put(names[m] + "coverage@10", (double) distinct / catalogue);
    }
    metrics.put("ranking_users", (double) pairs.count());
  }

  static long previousCutoff(CassandraConnector cassandra, JobOptions o) {
    try (CqlSession session = cassandra.openSession()) {
      var current = session.execute(String.format("SELECT version FROM %s.current_model WHERE model_name = ?", o.keyspace), o.modelName).one();
      if (current == null) return Long.MIN_VALUE;
      var model = session.execute(String.format("SELECT data_cutoff FROM %s.models WHERE model_name = ? AND version = ?", o.keyspace), o.modelName, current.getString(0)).one();
      return model == null || model.getInstant(0) == null ? Long.MIN_VALUE : model.getInstant(0).toEpochMilli();
    }
  }

  static void writeCassandra(Dataset<Row> rows, String keyspace, String table) {
    rows.write().format("org.apache.spark.sql.cassandra").option("keyspace", keyspace).option("table", table).mode("append").save();
  }

  /** Factors as text: {@code id,bias,f1,...,fk} per line, readable by the speed layer without Spark. */
  static void writeFactors(Dataset<Row> factors, String path) {
    factors.map((org.apache.spark.api.java.function.MapFunction<Row, String>) r -> {
      StringBuilder sb = new StringBuilder().append(r.getInt(0)).append(',').append(r.getFloat(2));
      for (Object f : r.getList(1)) sb.append(',').append(f);
      return sb.toString();
    }, org.apache.spark.sql.Encoders.STRING()).coalesce(1).write().mode("overwrite").text(path);
  }

  static void writeMetadata(FileSystem fs, String modelPath, JobOptions o, long dataCutoff, double mean, Map<String, Double> metrics, Map<String, Long> counts) throws Exception {
    String json = "{\"modelName\":\"" + o.modelName + "\",\"version\":\"" + o.version + "\",\"dataCutoff\":" + dataCutoff
        + ",\"globalMean\":" + (o.biases ? mean : 0) + ",\"biases\":" + o.biases + ",\"implicit\":" + o.implicit + ",\"alpha\":" + o.alpha + ",\"reg\":" + o.reg
        + ",\"userBiasDamping\":" + (o.biases ? Biases.USER_DAMPING : 0)
        + ",\"factorsFormat\":\"id,bias,f1..f" + o.rank + "\""
        + ",\"rank\":" + o.rank + ",\"params\":" + jsonMap(o.params()) + ",\"metrics\":" + jsonMap(metrics) + ",\"counts\":" + jsonMap(counts) + "}\n";
    try (OutputStream out = fs.create(new Path(URI.create(modelPath + "/metadata.json")), true)) {
      out.write(json.getBytes(StandardCharsets.UTF_8));
    }
  }

  static void announce(JobOptions o, String modelPath, long dataCutoff, Map<String, Double> metrics) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", o.kafkaBrokers);
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    props.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    ModelPublished event = ModelPublished.newBuilder().setModelName(o.modelName).setVersion(o.version)
        .setPublishedAt(Instant.now()).setDataCutoff(Instant.ofEpochMilli(dataCutoff)).setPath(modelPath)
        .setRank(o.rank).setMetrics(new HashMap<>(metrics)).build();
    ByteBuffer bytes = ModelPublished.getEncoder().encode(event);
    byte[] value = new byte[bytes.remaining()];
    bytes.get(value);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      producer.send(new ProducerRecord<>(o.updatesTopic, o.modelName.getBytes(StandardCharsets.UTF_8), value)).get();
    }
  }

  /** A ranked list as the array<struct<movie_id, score>> column (a Scala Seq, as Row wants it). */
  static scala.collection.Seq<Row> scoredRows(ItemMatrix.Scored s) {
    List<Row> out = new ArrayList<>(s.ids().length);
    for (int i = 0; i < s.ids().length; i++) out.add(RowFactory.create(s.ids()[i], s.scores()[i]));
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

  static String jsonMap(Map<String, ?> map) {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, ?> e : map.entrySet()) {
      if (sb.length() > 1) sb.append(',');
      Object v = e.getValue();
      sb.append('"').append(e.getKey()).append("\":");
      if (v instanceof Number n && !(v instanceof Double d && (d.isNaN() || d.isInfinite()))) sb.append(n);
      else sb.append('"').append(String.valueOf(v).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    return sb.append('}').toString();
  }
}
