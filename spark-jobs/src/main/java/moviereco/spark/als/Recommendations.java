package moviereco.spark.als;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The batch view: the top-N movies for every user (rated ones excluded) and the nearest movies of
 * every movie, scored against the broadcast item matrix.
 */
record Recommendations(Dataset<Row> forUsers, Dataset<Row> similar) {

  static Recommendations compute(
      SparkSession spark,
      JavaSparkContext jsc,
      MasterData master,
      Training model,
      JobOptions o,
      Map<String, Long> counts) {
    Broadcast<ItemMatrix> itemsB = jsc.broadcast(model.items());
    Dataset<Row> userFactors = model.userFactors();
    Dataset<Row> rated =
        master.ratings().groupBy("user").agg(collect_list(col("movie_id")).as("rated"));
    Dataset<Row> userInput =
        userFactors.join(rated, userFactors.col("id").equalTo(rated.col("user")));
    int topN = o.topN;
    JavaRDD<Row> recRows =
        userInput
            .toJavaRDD()
            .map(
                r -> {
                  float[] u = SparkRows.toFloats(r.getList(r.fieldIndex("features")));
                  long[] exclude = SparkRows.toSortedLongs(r.getList(r.fieldIndex("rated")));
                  return RowFactory.create(
                      (long) r.getInt(r.fieldIndex("id")),
                      SparkRows.scoredRows(
                          itemsB
                              .value()
                              .topN(u, r.getFloat(r.fieldIndex("offset")), exclude, topN)));
                });
    Dataset<Row> recs =
        spark
            .createDataFrame(recRows, SparkRows.rankedLists("user_id"))
            .withColumn("model_version", lit(o.version))
            .withColumn("computed_at", lit(new java.sql.Timestamp(System.currentTimeMillis())))
            .cache();
    counts.put("recommended_users", recs.count());

    int similarN = o.similarN;
    int movies = model.items().size();
    List<Integer> indices = new ArrayList<>(movies);
    for (int i = 0; i < movies; i++) indices.add(i);
    JavaRDD<Row> simRows =
        jsc.parallelize(indices, Math.max(2, movies / 2000))
            .map(
                i -> {
                  ItemMatrix m = itemsB.value();
                  return RowFactory.create(m.ids[i], SparkRows.scoredRows(m.similar(i, similarN)));
                });
    Dataset<Row> similar =
        spark
            .createDataFrame(simRows, SparkRows.rankedLists("movie_id"))
            .withColumn("model_version", lit(o.version))
            .cache();
    counts.put("similar_movies", similar.count());
    return new Recommendations(recs, similar);
  }
}
