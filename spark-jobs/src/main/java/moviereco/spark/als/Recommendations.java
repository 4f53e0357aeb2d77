package moviereco.spark.als;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;

import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import moviereco.contracts.TopN;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * The batch view: the top-N movies for every user (rated ones excluded) and the nearest movies of
 * every movie, scored against the broadcast item matrix in blocks ({@link ItemMatrix}), held as
 * plain arrays until they are written ({@link SparkRows#writeRanked}).
 */
record Recommendations(JavaRDD<Ranked> forUsers, JavaRDD<Ranked> similar, Instant computedAt) {

  /** A ranked list: a user's top-N or a movie's nearest movies, best first. */
  record Ranked(long key, long[] ids, float[] scores) implements Serializable {
    Ranked(long key, TopN.Result top) {
      this(key, top.ids(), top.scores());
    }
  }

  static Recommendations compute(
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
    JavaRDD<Ranked> recs =
        userInput
            .toJavaRDD()
            .mapPartitions(
                rows ->
                    SparkRows.<Row, Ranked>inBlocks(
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
                          List<Ranked> out = new ArrayList<>(b);
                          for (int u = 0; u < b; u++) {
                            Row r = block.get(u);
                            out.add(new Ranked(r.getInt(r.fieldIndex("id")), top[u]));
                          }
                          return out;
                        }))
            .persist(StorageLevel.MEMORY_AND_DISK());
    counts.put("recommended_users", recs.count());

    int similarN = o.similarN;
    int movies = model.items().size();
    // blocks of movies by their first index, each scored against all movies
    List<Integer> starts = new ArrayList<>();
    for (int i = 0; i < movies; i += ItemMatrix.BLOCK) starts.add(i);
    JavaRDD<Ranked> similar =
        jsc.parallelize(starts, Math.max(2, movies / 2000))
            .flatMap(
                from -> {
                  ItemMatrix m = itemsB.value();
                  int to = Math.min(from + ItemMatrix.BLOCK, m.size());
                  TopN.Result[] top = m.similar(from, to, similarN);
                  List<Ranked> out = new ArrayList<>(to - from);
                  for (int q = 0; q < top.length; q++) out.add(new Ranked(m.ids[from + q], top[q]));
                  return out.iterator();
                })
            .persist(StorageLevel.MEMORY_AND_DISK());
    counts.put("similar_movies", similar.count());
    return new Recommendations(recs, similar, Instant.now());
  }
}
