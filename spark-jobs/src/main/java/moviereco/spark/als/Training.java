package moviereco.spark.als;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The served model: ALS on what the biases leave of each rating (or on the ratings), its factors
 * with biases as the model files and the scoring loops want them.
 *
 * <p>Train once by default. The evaluation has already fitted ALS on everything but its held-out
 * ratings, and on large data those are few: {@code --test-fraction} of the ratings of {@code
 * --ranking-users} users (20,000 of 200,948 users at 32M: about 2% of the ratings; see {@link
 * Evaluation#split}). Fitting again on all data would cost as much as that fit (288 s of a
 * 26-minute run at 32M) to add those 2% to the item factors. So {@code --final-fit train} serves
 * the evaluated fit's item factors (and biases) and solves every user's vector (and bias) again
 * from all of their ratings, held-out ones included: one exact ALS half-step ({@link UserSolve}),
 * 1/40 of the ALS work, and exactly the speed layer's fold-in, which thus reproduces the served
 * user vectors as before. The metrics are those of the served item factors, measured on ratings
 * they never saw: honest, not optimistic. The cost: the item factors miss the held-out ratings, and
 * users' vectors are refitted against item factors that did not see them. {@code --final-fit all}
 * fits again on all data (as every run did before). {@code auto}, the default, fits again only when
 * the held-out ratings are more than {@link #MAX_HELD_OUT_SHARE} of all: small data, where all
 * users are sampled and 20% are held out, and where a second fit takes seconds (ml-latest-small:
 * the same model as before, so its quality figures and checks stand unchanged).
 */
record Training(
    Biases biases, Dataset<Row> itemFactors, Dataset<Row> userFactors, ItemMatrix items) {

  /** {@code --final-fit auto} fits again on all data when more than this share was held out. */
  static final double MAX_HELD_OUT_SHARE = 0.05;

  /** Whether the served model is fitted again on all data, or the evaluated fit serves. */
  static boolean fitAgain(String finalFit, long heldOut, long ratings) {
    return switch (finalFit) {
      case "all" -> true;
      case "train" -> false;
      default -> heldOut > MAX_HELD_OUT_SHARE * ratings;
    };
  }

  static Training train(
      MasterData master,
      Evaluation evaluation,
      JobOptions o,
      int alsBlocks,
      Map<String, Long> counts) {
    boolean again = fitAgain(o.finalFit, counts.get("test_ratings"), counts.get("ratings"));
    counts.put("als_fits", again ? 2L : 1L);
    if (!again) {
      Biases biases = evaluation.trainBiases();
      Dataset<Row> itemFactors = itemFactors(evaluation.model(), biases, o).cache();
      ItemMatrix items = ItemMatrix.fromRows(itemFactors.collectAsList(), o.rank);
      Dataset<Row> userFactors = solveUsers(master.ratings(), items, biases, o).cache();
      return new Training(biases, itemFactors, userFactors, items);
    }
    Biases biases = o.biases ? Biases.fit(master.ratings()) : Biases.none();
    ALSModel model = als(o, alsBlocks).fit(target(master.ratings(), biases, o));
    Dataset<Row> itemFactors = itemFactors(model, biases, o).cache();
    Dataset<Row> userFactors = userFactors(model, biases, o).cache();
    return new Training(
        biases, itemFactors, userFactors, ItemMatrix.fromRows(itemFactors.collectAsList(), o.rank));
  }

  /** The columns of {@link #userFactors}: (id, features, bias, offset). */
  static final StructType USER_FACTORS =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("features", DataTypes.createArrayType(DataTypes.FloatType, false))
          .add("bias", DataTypes.FloatType)
          .add("offset", DataTypes.FloatType);

  /**
   * Every user's bias and vector solved from all of their ratings against fixed item factors
   * ({@link UserSolve}), as {@link #userFactors} gives them; users none of whose movies the factors
   * know get none (nor recommendations: the API serves them popular movies).
   */
  static Dataset<Row> solveUsers(
      Dataset<Row> ratings, ItemMatrix items, Biases biases, JobOptions o) {
    SparkSession spark = ratings.sparkSession();
    Broadcast<UserSolve> solveB =
        JavaSparkContext.fromSparkContext(spark.sparkContext())
            .broadcast(new UserSolve(items, biases.mean, o));
    JavaRDD<Row> rows =
        ratings
            .groupBy("user")
            .agg(collect_list(struct(col("movie_id"), col("rating"))).as("rated"))
            .toJavaRDD()
            .<Row>flatMap(
                r -> {
                  List<Row> rated = r.getList(1);
                  long[] movies = new long[rated.size()];
                  float[] values = new float[rated.size()];
                  for (int j = 0; j < movies.length; j++) {
                    movies[j] = rated.get(j).getLong(0);
                    values[j] = rated.get(j).getFloat(1);
                  }
                  UserSolve solve = solveB.value();
                  UserSolve.Vector v = solve.solve(movies, values);
                  if (v == null) return Collections.<Row>emptyIterator();
                  // as userFactors: the bias as a float, the offset mean + that float
                  float bias = (float) v.bias();
                  float offset = (float) (bias + solve.mean);
                  return List.of(
                          RowFactory.create(r.getInt(0), SparkRows.floatSeq(v.x()), bias, offset))
                      .iterator();
                });
    return spark.createDataFrame(rows, USER_FACTORS);
  }

  /** ALS as configured, cut into {@code blocks} user and item blocks ({@link Sizing}). */
  static ALS als(JobOptions o, int blocks) {
    return new ALS()
        .setRank(o.rank)
        .setRegParam(o.reg)
        .setMaxIter(o.iterations)
        .setImplicitPrefs(o.implicit)
        .setAlpha(o.alpha)
        .setUserCol("user")
        .setItemCol("movie")
        .setRatingCol("target")
        .setColdStartStrategy("drop")
        .setSeed(o.seed)
        .setCheckpointInterval(10)
        .setNumBlocks(blocks);
  }

  /** What ALS learns: the rating, or with biases what mean and biases leave of it. */
  static Dataset<Row> target(Dataset<Row> ratings, Biases biases, JobOptions o) {
    if (!o.biases) return ratings.withColumn("target", col("rating"));
    return biases.attach(ratings).withColumn("target", col("rating").minus(biases.baseline()));
  }

  /**
   * Predicted ratings for (user, movie) rows: ALS's part plus, with biases, mean and biases;
   * clipped to 0.5..5.
   */
  static Dataset<Row> predict(ALSModel model, Dataset<Row> rows, Biases biases, JobOptions o) {
    Dataset<Row> p = model.transform(rows);
    if (o.biases)
      p = biases.attach(p).withColumn("prediction", col("prediction").plus(biases.baseline()));
    return p.withColumn("prediction", least(lit(5.0), greatest(lit(0.5), col("prediction"))));
  }

  /** (id, features, bias): the movie's factors and its bias (0 without biases). */
  static Dataset<Row> itemFactors(ALSModel model, Biases biases, JobOptions o) {
    Dataset<Row> f = model.itemFactors();
    if (!o.biases) return f.withColumn("bias", lit(0f));
    return f.join(biases.items, f.col("id").equalTo(biases.items.col("movie")), "left")
        .select(col("id"), col("features"), coalesce(col("bi"), lit(0.0)).cast("float").as("bias"));
  }

  /**
   * (id, features, bias, offset): the user's factors, bias, and the constant added to every score
   * (mean + bias).
   */
  static Dataset<Row> userFactors(ALSModel model, Biases biases, JobOptions o) {
    Dataset<Row> f = model.userFactors();
    if (!o.biases) return f.withColumn("bias", lit(0f)).withColumn("offset", lit(0f));
    return f.join(biases.users, f.col("id").equalTo(biases.users.col("user")), "left")
        .select(col("id"), col("features"), coalesce(col("bu"), lit(0.0)).cast("float").as("bias"))
        .withColumn("offset", col("bias").plus(lit(biases.mean)).cast("float"));
  }
}
