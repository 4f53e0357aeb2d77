package moviereco.spark.als;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.hash;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import moviereco.contracts.TopN;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.mllib.evaluation.RankingMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * A model trained on a split of the master dataset and judged on the held-out rest, beside the
 * baselines: RMSE and MAE against mean and biases (explicit models only: an implicit one predicts
 * preferences, not ratings), ranking metrics against popularity.
 */
record Evaluation(Dataset<Row> train, Dataset<Row> test, Biases trainBiases, ALSModel model) {

  /** The evaluation of the best candidate, and the candidate's options (rank, reg, alpha). */
  record Searched(Evaluation evaluation, JobOptions options) {}

  /**
   * The hyperparameter search ({@code --search}): every candidate ({@link JobOptions#candidates})
   * fitted on the same split and judged on the same held-out ratings, until the time budget is
   * spent (the configured candidate always runs); the best serves: the highest NDCG@10 for an
   * implicit model, the lowest RMSE for an explicit one (ties: the earlier candidate). Each
   * candidate's metrics go into {@code metrics} as {@code search_<i>_<metric>}, its seconds as
   * {@code search_<i>_seconds}; the best's also under the plain names.
   */
  static Searched search(
      JavaSparkContext jsc,
      MasterData master,
      JobOptions o,
      int alsBlocks,
      Map<String, Double> metrics,
      Map<String, Long> counts) {
    List<JobOptions> candidates = o.candidates();
    Dataset<Row>[] split = split(master.ratings(), o, counts.get("users"));
    Dataset<Row> train = split[0].cache();
    Dataset<Row> test = split[1].cache();
    // no search: the configured model, its metrics under the plain names only
    if (candidates.size() == 1)
      return new Searched(judge(jsc, train, test, o, alsBlocks, metrics, counts), o);
    long started = System.nanoTime();
    Searched best = null;
    Map<String, Double> bestMetrics = null;
    int tried = 0;
    for (int i = 0; i < candidates.size(); i++) {
      double spent = (System.nanoTime() - started) / 1e9;
      if (i > 0 && o.searchSeconds > 0 && spent >= o.searchSeconds) break;
      JobOptions c = candidates.get(i);
      Map<String, Double> m = new LinkedHashMap<>();
      long t0 = System.nanoTime();
      Evaluation e = judge(jsc, train, test, c, alsBlocks, m, counts);
      tried++;
      String prefix = "search_" + (i + 1) + "_";
      for (Map.Entry<String, Double> kv : m.entrySet())
        if (!kv.getKey().startsWith("popularity_") && !kv.getKey().startsWith("baseline_"))
          metrics.put(prefix + kv.getKey(), kv.getValue());
      metrics.put(prefix + "rank", (double) c.rank);
      metrics.put(prefix + "reg", c.reg);
      metrics.put(prefix + "alpha", c.alpha);
      metrics.put(prefix + "seconds", (System.nanoTime() - t0) / 1e9);
      System.out.printf(
          java.util.Locale.ROOT,
          "SEARCH %d/%d %s: %s%n",
          i + 1,
          candidates.size(),
          c.candidateLabel(),
          o.implicit ? "ndcg@10 " + m.get("ndcg@10") : "rmse " + m.get("rmse"));
      if (best == null || better(o.implicit, m, bestMetrics)) {
        best = new Searched(e, c);
        bestMetrics = m;
        counts.put("search_best", (long) (i + 1));
      }
    }
    metrics.putAll(bestMetrics);
    counts.put("search_candidates", (long) candidates.size());
    counts.put("search_tried", (long) tried);
    return best;
  }

  /**
   * Whether candidate metrics {@code m} beat {@code best}: NDCG@10 up (implicit), RMSE down
   * (explicit).
   */
  static boolean better(boolean implicit, Map<String, Double> m, Map<String, Double> best) {
    return implicit ? m.get("ndcg@10") > best.get("ndcg@10") : m.get("rmse") < best.get("rmse");
  }

  /** One candidate fitted on {@code train} and judged on {@code test}. */
  static Evaluation judge(
      JavaSparkContext jsc,
      Dataset<Row> train,
      Dataset<Row> test,
      JobOptions o,
      int alsBlocks,
      Map<String, Double> metrics,
      Map<String, Long> counts) {
    // the explicit model's RMSE is compared with the bias baseline, so it needs them even without
    // biases in the model; the implicit default needs none
    Biases trainBiases = o.biases || !o.implicit ? Biases.fit(train) : Biases.none();
    ALSModel model = Training.als(o, alsBlocks).fit(Training.target(train, trainBiases, o));
    if (!o.implicit) {
      Dataset<Row> predicted = Training.predict(model, test, trainBiases, o).cache();
      RegressionEvaluator rmse =
          new RegressionEvaluator()
              .setMetricName("rmse")
              .setLabelCol("rating")
              .setPredictionCol("prediction");
      RegressionEvaluator mae =
          new RegressionEvaluator()
              .setMetricName("mae")
              .setLabelCol("rating")
              .setPredictionCol("prediction");
      metrics.put("rmse", rmse.evaluate(predicted));
      metrics.put("mae", mae.evaluate(predicted));
      // the baseline is judged on exactly the rows ALS predicted
      Dataset<Row> baseline =
          trainBiases
              .attach(predicted.select("user", "movie", "rating"))
              .withColumn(
                  "prediction", least(lit(5.0), greatest(lit(0.5), trainBiases.baseline())));
      metrics.put("baseline_rmse", rmse.evaluate(baseline));
      metrics.put("baseline_mae", mae.evaluate(baseline));
      counts.put("test_predicted", predicted.count());
    }
    counts.put("test_ratings", test.count());
    Evaluation evaluation = new Evaluation(train, test, trainBiases, model);
    evaluation.rankingMetrics(jsc, o, metrics);
    return evaluation;
  }

  /**
   * The ratings held out, and the rest to train on. Held out are the ratings {@code --split} picks
   * (random: a seeded {@code --test-fraction} of them; temporal: those newer than the newest
   * test-fraction of all ratings) of a sample of users: the first {@code --ranking-users} in the
   * order of hash(user, seed), whom the ranking metrics sample too. When that is every user (as on
   * ml-latest-small), this is the plain split of all ratings it always was; on large data it holds
   * out only those users' ratings (about 2% of the ratings at 32M instead of 20%), which is what
   * lets the evaluated fit serve ({@link Training}).
   */
  @SuppressWarnings("unchecked")
  static Dataset<Row>[] split(Dataset<Row> master, JobOptions o, long users) {
    Dataset<Row>[] parts;
    if (o.split.equals("random")) {
      parts = master.randomSplit(new double[] {1 - o.testFraction, o.testFraction}, o.seed);
    } else {
      double boundary =
          master.stat().approxQuantile("ts", new double[] {1 - o.testFraction}, 0.001)[0];
      parts =
          new Dataset[] {
            master.filter(col("ts").leq(boundary)), master.filter(col("ts").gt(boundary))
          };
    }
    if (o.rankingUsers >= users) return parts;
    // user ids as the tie-break: the same sample whichever plan computes it
    Dataset<Row> sample =
        broadcast(
            master
                .select("user")
                .distinct()
                .orderBy(hash(col("user"), lit(o.seed)), col("user"))
                .limit(o.rankingUsers)
                .cache());
    Dataset<Row> test = parts[1].join(sample, Biases.seq("user"), "left_semi");
    Dataset<Row> kept = parts[1].join(sample, Biases.seq("user"), "left_anti");
    return new Dataset[] {parts[0].unionByName(kept), test};
  }

  /**
   * precision, recall, NDCG and MAP at 10 and catalogue coverage for ALS and for the popularity
   * baseline, on a sample of test users; relevant = test ratings of 4 stars or more.
   */
  void rankingMetrics(JavaSparkContext jsc, JobOptions o, Map<String, Double> metrics) {
    int k = 10;
    Dataset<Row> relevant =
        test.filter(col("rating").geq(4.0))
            .groupBy("user")
            .agg(collect_list(col("movie_id")).as("relevant"));
    // the training ratings of the users with a relevant test rating only (a sample on large data),
    // not a shuffle of all of them
    Dataset<Row> seen =
        train
            .join(broadcast(relevant.select("user")), Biases.seq("user"), "left_semi")
            .groupBy("user")
            .agg(collect_list(col("movie_id")).as("seen"));
    Dataset<Row> users =
        relevant
            .join(seen, "user")
            .orderBy(hash(col("user"), lit(o.seed)), col("user"))
            .limit(o.rankingUsers);
    Dataset<Row> factors = Training.userFactors(model, trainBiases, o);
    Dataset<Row> input = users.join(factors, users.col("user").equalTo(factors.col("id")));
    Broadcast<ItemMatrix> itemsB =
        jsc.broadcast(
            ItemMatrix.fromRows(
                Training.itemFactors(model, trainBiases, o).collectAsList(), o.rank));
    List<Row> popularRows =
        train
            .groupBy("movie_id")
            .count()
            .orderBy(col("count").desc(), col("movie_id"))
            .limit(2000)
            .collectAsList();
    long[] popular = popularRows.stream().mapToLong(r -> r.getLong(0)).toArray();
    Broadcast<long[]> popularB = jsc.broadcast(popular);

    JavaRDD<Tuple2<List<Long>, List<Long>>[]> pairs =
        input
            .toJavaRDD()
            .mapPartitions(
                rows ->
                    SparkRows.<Row, Tuple2<List<Long>, List<Long>>[]>inBlocks(
                        rows,
                        ItemMatrix.BLOCK,
                        block -> {
                          int b = block.size();
                          float[][] vectors = new float[b][];
                          float[] offsets = new float[b];
                          long[][] seenIds = new long[b][];
                          for (int u = 0; u < b; u++) {
                            Row r = block.get(u);
                            vectors[u] = SparkRows.toFloats(r.getList(r.fieldIndex("features")));
                            offsets[u] = r.getFloat(r.fieldIndex("offset"));
                            seenIds[u] = SparkRows.toSortedLongs(r.getList(r.fieldIndex("seen")));
                          }
                          TopN.Result[] top = itemsB.value().topN(vectors, offsets, seenIds, k);
                          List<Tuple2<List<Long>, List<Long>>[]> out = new ArrayList<>(b);
                          for (int u = 0; u < b; u++) {
                            List<Long> truth =
                                block.get(u).getList(block.get(u).fieldIndex("relevant"));
                            List<Long> als = new ArrayList<>();
                            for (long id : top[u].ids()) als.add(id);
                            List<Long> pop = new ArrayList<>();
                            for (long id : popularB.value()) {
                              if (pop.size() == k) break;
                              if (Arrays.binarySearch(seenIds[u], id) < 0) pop.add(id);
                            }
                            @SuppressWarnings("unchecked")
                            Tuple2<List<Long>, List<Long>>[] pair =
                                new Tuple2[] {new Tuple2<>(als, truth), new Tuple2<>(pop, truth)};
                            out.add(pair);
                          }
                          return out;
                        }))
            .cache();
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
}
