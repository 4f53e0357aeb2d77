package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The incremental merge against the rule it must keep: merging a run's fresh events into the kept
 * pairs gives the pairs a full read of both would give, ties and deletions included, whether the
 * touched pairs are filtered out or everything is shuffled.
 */
class MasterDataMergeTest {
  private static final StructType EVENTS = MasterData.PAIRS_SCHEMA;

  private static SparkSession spark;

  @TempDir static java.nio.file.Path folder;

  @BeforeAll
  static void start() {
    spark =
        SparkSession.builder()
            .master("local[2]")
            .appName("master-merge-test")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Events over few users and movies, so that pairs recur, times tie and deletions win ties. */
  private static List<Row> events(Random random, int n, long userOffset) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean deleted = random.nextInt(6) == 0;
      out.add(
          RowFactory.create(
              userOffset + 1 + random.nextInt(20),
              // now and then the largest id: the pair key must keep user and movie apart
              random.nextInt(10) == 0 ? Integer.MAX_VALUE : 1L + random.nextInt(15),
              deleted ? 0f : 0.5f * (1 + random.nextInt(10)),
              1_000L * random.nextInt(8),
              deleted));
    }
    return out;
  }

  private Set<Row> merged(List<Row> before, List<Row> after, long maxTouched) {
    // the kept pairs from Parquet, the fresh ones read from files: the plans read() makes
    String keptPath = folder.resolve("kept-" + maxTouched + "-" + before.hashCode()).toString();
    MasterData.latest(spark.createDataFrame(before, EVENTS)).write().parquet(keptPath);
    String freshPath = folder.resolve("fresh-" + maxTouched + "-" + after.hashCode()).toString();
    spark.createDataFrame(after, EVENTS).write().parquet(freshPath);
    Dataset<Row> kept = spark.read().parquet(keptPath);
    Dataset<Row> fresh = MasterData.latest(spark.read().parquet(freshPath));
    return new HashSet<>(MasterData.merge(spark, kept, fresh, maxTouched).collectAsList());
  }

  @Test
  @Timeout(120)
  void mergingFreshEventsIntoKeptPairsGivesWhatAFullReadGives() {
    Random random = new Random(42);
    for (int round = 0; round < 3; round++) {
      List<Row> before = events(random, 400, 0);
      // fresh events on the same users, and on users the kept pairs never saw
      List<Row> after = events(random, 60, 0);
      after.addAll(events(random, 20, 1_000));
      List<Row> all = new ArrayList<>(before);
      all.addAll(after);
      List<Row> full = MasterData.latest(spark.createDataFrame(all, EVENTS)).collectAsList();
      assertEquals(full.size(), new HashSet<>(full).size());
      assertEquals(new HashSet<>(full), merged(before, after, Long.MAX_VALUE), "filtered");
      assertEquals(new HashSet<>(full), merged(before, after, 0), "shuffled");
    }
  }
}
