package moviereco.spark.als;

import org.apache.spark.SparkContext;

/**
 * How finely the job cuts its work, from the cores and the data unless a flag fixes it ({@code
 * --shuffle-partitions}, {@code --als-blocks}; 0 = derived here). The rules keep what was measured
 * on this machine ({@code local[2]}: 8 shuffle partitions and 4 ALS blocks, for ml-latest-small and
 * for 32M ratings alike) and grow with a cluster's cores and with the input.
 */
final class Sizing {
  private Sizing() {}

  /** Shuffle partitions per core: Spark's tuning guide asks for 2–3 tasks per core, and more. */
  static final int PARTITIONS_PER_CORE = 4;

  /** Input bytes (CSV) per shuffle partition beyond that: 32M ratings (882 MB) give 14. */
  static final long BYTES_PER_PARTITION = 64L << 20;

  /** ALS blocks per core: each ALS iteration is a task per block, so every core has two. */
  static final int ALS_BLOCKS_PER_CORE = 2;

  /** Fewer ratings than this per ALS block only add shuffle overhead (small data, many cores). */
  static final long RATINGS_PER_ALS_BLOCK = 20_000;

  /**
   * The cores the job can use: {@code spark.default.parallelism} if set, else Spark's default
   * parallelism (local[n]: n; a cluster: the cores of the executors registered so far, so set
   * spark.default.parallelism or the flags there when executors come up late).
   */
  static int parallelism(SparkContext sc) {
    String set = sc.getConf().get("spark.default.parallelism", "");
    return Math.max(1, set.isEmpty() ? sc.defaultParallelism() : Integer.parseInt(set));
  }

  /**
   * {@code spark.sql.shuffle.partitions}: the flag, or 4 per core, or one per 64 MB of input if
   * that is more (adaptive execution merges the ones that turn out small).
   */
  static int shufflePartitions(int flag, int parallelism, long inputBytes) {
    if (flag > 0) return flag;
    long byInput = (inputBytes + BYTES_PER_PARTITION - 1) / BYTES_PER_PARTITION;
    return (int) Math.max(PARTITIONS_PER_CORE * (long) parallelism, Math.min(byInput, 100_000));
  }

  /**
   * ALS's user and item blocks: the flag, or 2 per core but no more than one per 20,000 ratings (at
   * least 1). Note that ALS seeds its initial factors per block, so another count gives a slightly
   * different model.
   */
  static int alsBlocks(int flag, int parallelism, long ratings) {
    if (flag > 0) return flag;
    long byData = Math.max(1, ratings / RATINGS_PER_ALS_BLOCK);
    return (int) Math.min(ALS_BLOCKS_PER_CORE * (long) parallelism, byData);
  }
}
