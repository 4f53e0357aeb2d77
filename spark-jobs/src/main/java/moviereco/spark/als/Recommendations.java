package moviereco.spark.als;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import moviereco.contracts.TopN;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * The batch view: the top-N movies for every user (rated ones excluded) and the nearest movies of
 * every movie, scored against the broadcast item matrix in blocks ({@link ItemMatrix}).
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
            .mapPartitions(
                rows ->
                    SparkRows.<Row, Row>inBlocks(
                        rows,
                        ItemMatrix.BLOCK,
                        block -> {
                          int b = block.size();
                          float[][] users = new float[b][];
                          float[] offsets = new float[b];
                          long[][] exclude = new long[b][];
                          for (int u = 0; u < b; u++) {
                            Row r = block.get(u);
                            users[u] = SparkRows.toFloats(r.getList(r.fieldIndex("features")));
                            offsets[u] = r.getFloat(r.fieldIndex("offset"));
                            exclude[u] = SparkRows.toSortedLongs(r.getList(r.fieldIndex("rated")));
                          }
                          TopN.Result[] top = itemsB.value().topN(users, offsets, exclude, topN);
                          List<Row> out = new ArrayList<>(b);
                          for (int u = 0; u < b; u++) {
                            Row r = block.get(u);
                            out.add(
                                RowFactory.create(
                                    (long) r.getInt(r.fieldIndex("id")),
                                    SparkRows.scoredRows(top[u])));
                          }
                          return out;
                        }));
    Dataset<Row> recs =
        spark
            .createDataFrame(recRows, SparkRows.rankedLists("user_id"))
            .withColumn("model_version", lit(o.version))
            .withColumn("computed_at", lit(new java.sql.Timestamp(System.currentTimeMillis())))
            .cache();
    counts.put("recommended_users", recs.count());

    int similarN = o.similarN;
    int movies = model.items().size();
    // blocks of movies by their first index, each scored against all movies
    List<Integer> starts = new ArrayList<>();
    for (int i = 0; i < movies; i += ItemMatrix.BLOCK) starts.add(i);
    JavaRDD<Row> simRows =
        jsc.parallelize(starts, Math.max(2, movies / 2000))
            .flatMap(
                from -> {
                  ItemMatrix m = itemsB.value();
                  int to = Math.min(from + ItemMatrix.BLOCK, m.size());
                  TopN.Result[] top = m.similar(from, to, similarN);
                  List<Row> out = new ArrayList<>(to - from);
                  for (int q = 0; q < top.length; q++)
                    out.add(RowFactory.create(m.ids[from + q], SparkRows.scoredRows(top[q])));
                  return out.iterator();
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
