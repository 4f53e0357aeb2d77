package moviereco.spark.als;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import java.io.Serializable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Baseline predictors: global mean, then a damped bias per movie, then per user (b_i = Σ(r − μ) /
 * (n_i + λ_i), b_u = Σ(r − μ − b_i) / (n_u + λ_u)). The batch job factorises the residual r − μ −
 * b_u − b_i; the biases alone are the baseline it is compared with.
 */
public final class Biases implements Serializable {
  public static final double ITEM_DAMPING = 10;
  public static final double USER_DAMPING = 15;

  public final double mean;

  /** (movie int, bi double) */
  public final Dataset<Row> items;

  /** (user int, bu double) */
  public final Dataset<Row> users;

  private Biases(double mean, Dataset<Row> items, Dataset<Row> users) {
    this.mean = mean;
    this.items = items;
    this.users = users;
  }

  /**
   * For a model without biases (the implicit default): nothing is computed, the mean is 0, and
   * there is nothing to {@link #attach}. Fitting them anyway cost a full aggregation pass over the
   * ratings per fit (the mean; the bias tables themselves were lazy and never materialised).
   */
  public static Biases none() {
    return new Biases(0, null, null);
  }

  /** From ratings with columns user, movie, rating. */
  public static Biases fit(Dataset<Row> ratings) {
    double mu = ratings.agg(avg("rating")).first().getDouble(0);
    Dataset<Row> items =
        ratings
            .groupBy("movie")
            .agg(sum(col("rating").minus(mu)).divide(count(lit(1)).plus(ITEM_DAMPING)).as("bi"))
            .cache();
    Dataset<Row> users =
        ratings
            .join(items, "movie")
            .groupBy("user")
            .agg(
                sum(col("rating").minus(mu).minus(col("bi")))
                    .divide(count(lit(1)).plus(USER_DAMPING))
                    .as("bu"))
            .cache();
    return new Biases(mu, items, users);
  }

  /** Adds bi and bu (0 for unknown movies and users). */
  public Dataset<Row> attach(Dataset<Row> rows) {
    if (items == null) throw new IllegalStateException("a model without biases has none to attach");
    return rows.join(items, seq("movie"), "left")
        .join(users, seq("user"), "left")
        .withColumn("bi", coalesce(col("bi"), lit(0.0)))
        .withColumn("bu", coalesce(col("bu"), lit(0.0)));
  }

  /** μ + bu + bi: the baseline prediction. */
  public org.apache.spark.sql.Column baseline() {
    return lit(mean).plus(col("bu")).plus(col("bi"));
  }

  static scala.collection.Seq<String> seq(String column) {
    return scala.collection.JavaConverters.asScalaBuffer(java.util.List.of(column)).toList();
  }
}
