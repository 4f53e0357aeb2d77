package moviereco.spark.als;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;

import org.apache.spark.ml.recommendation.ALS;
import org.apache.spark.ml.recommendation.ALSModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The served model: ALS on what the biases leave of each rating (or on the ratings), its factors
 * with biases as the model files and the scoring loops want them.
 */
record Training(
    Biases biases, Dataset<Row> itemFactors, Dataset<Row> userFactors, ItemMatrix items) {

  /**
   * Trains on all data again ({@code --final-fit all}) or keeps the evaluated model ({@code
   * train}).
   */
  static Training train(MasterData master, Evaluation evaluation, JobOptions o, int alsBlocks) {
    boolean all = o.finalFit.equals("all");
    Biases biases =
        !all ? evaluation.trainBiases() : o.biases ? Biases.fit(master.ratings()) : Biases.none();
    ALSModel model = all ? als(o, alsBlocks).fit(target(master.ratings(), biases, o)) : evaluation.model();
    Dataset<Row> itemFactors = itemFactors(model, biases, o).cache();
    Dataset<Row> userFactors = userFactors(model, biases, o).cache();
    return new Training(
        biases, itemFactors, userFactors, ItemMatrix.fromRows(itemFactors.collectAsList(), o.rank));
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
