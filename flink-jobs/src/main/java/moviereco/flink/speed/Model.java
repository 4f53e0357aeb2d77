package moviereco.flink.speed;

import moviereco.contracts.NormOrder;

/**
 * A published batch model as the speed layer needs it: item factors and biases in flat arrays, the
 * global mean, the regularisation and the user-bias damping of the fold-in, and the data cutoff. An
 * implicit-feedback model also carries its confidence weight alpha and Yᵀ Y, the Gram matrix of all
 * item factors that every implicit user solve starts from.
 */
public final class Model {
  public final String version;
  public final long dataCutoff;
  public final int rank;
  public final double globalMean;
  public final double reg;

  /** b_u = Σ(r − μ − b_i) / (n + damping); NaN when the model has no biases (b_u = 0) */
  public final double userBiasDamping;

  /** movie ids, in index order */
  public final long[] ids;

  public final float[] itemBias;

  /** row-major: factors[i * rank + f] */
  public final float[] factors;

  /** the items by descending factor norm, made on first use and not serialised */
  private transient ByNorm byNorm;

  /**
   * implicit feedback: a rating r is preference 1 with confidence 1 + alpha r (no biases, mean 0)
   */
  public final boolean implicit;

  public final double alpha;

  /** Yᵀ Y over all items, row-major rank × rank; null for an explicit model */
  public final double[] gram;

  /** open addressing, linear probing: movie id → row + 1 (0 = empty); no boxing on the hot path */
  private final long[] keys;

  private final int[] rows;
  private final int mask;

  /** An explicit-feedback model. */
  public Model(
      String version,
      long dataCutoff,
      int rank,
      double globalMean,
      double reg,
      double userBiasDamping,
      long[] ids,
      float[] itemBias,
      float[] factors) {
    this(
        version,
        dataCutoff,
        rank,
        globalMean,
        reg,
        userBiasDamping,
        false,
        Double.NaN,
        ids,
        itemBias,
        factors);
  }

  public Model(
      String version,
      long dataCutoff,
      int rank,
      double globalMean,
      double reg,
      double userBiasDamping,
      boolean implicit,
      double alpha,
      long[] ids,
      float[] itemBias,
      float[] factors) {
    if (itemBias.length != ids.length || factors.length != ids.length * rank)
      throw new IllegalArgumentException(
          "factor arrays do not match " + ids.length + " items of rank " + rank);
    this.version = version;
    this.dataCutoff = dataCutoff;
    this.rank = rank;
    this.globalMean = globalMean;
    this.reg = reg;
    this.userBiasDamping = userBiasDamping;
    this.ids = ids;
    this.itemBias = itemBias;
    this.factors = factors;
    this.implicit = implicit;
    this.alpha = alpha;
    this.gram = implicit ? gram(factors, rank) : null;
    int capacity = Integer.highestOneBit(Math.max(4, ids.length * 2 - 1)) << 1;
    this.keys = new long[capacity];
    this.rows = new int[capacity];
    this.mask = capacity - 1;
    for (int i = 0; i < ids.length; i++) {
      int slot = slot(ids[i]);
      while (rows[slot] != 0 && keys[slot] != ids[i]) slot = (slot + 1) & mask;
      keys[slot] = ids[i];
      rows[slot] = i + 1;
    }
  }

  private static double[] gram(float[] factors, int rank) {
    double[] g = new double[rank * rank];
    for (int off = 0; off < factors.length; off += rank) {
      for (int p = 0; p < rank; p++) {
        double yp = factors[off + p];
        for (int q = 0; q <= p; q++) g[p * rank + q] += yp * factors[off + q];
      }
    }
    for (int p = 0; p < rank; p++)
      for (int q = p + 1; q < rank; q++) g[p * rank + q] = g[q * rank + p];
    return g;
  }

  private int slot(long id) {
    long h = id * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  public int size() {
    return ids.length;
  }

  /** items per block of {@link ByNorm#factors}: what is scored between two checks of the bound */
  public static final int BLOCK = 256;

  /**
   * The items in descending order of their factors' norm, for scoring that stops early ({@link
   * FoldIn#recommend}): {@code order} (the shared {@link NormOrder}: each position's model row,
   * norm and bound), each position's bias in that order ({@code bias[j]}), and the factors in that
   * order by blocks of {@link #BLOCK} positions, column-major within a block: factor p of position
   * j is {@code factors[((j / BLOCK) * rank + p) * BLOCK + j % BLOCK]} (the last block padded with
   * zeros). A block's scores are then rank passes over contiguous floats, which the JIT vectorises.
   */
  public record ByNorm(NormOrder order, float[] bias, float[] factors) {}

  /** The items by descending factor norm, made once per model. */
  public ByNorm byNorm() {
    ByNorm b = byNorm;
    if (b == null) {
      NormOrder order = new NormOrder(factors, itemBias, rank);
      float[] bias = new float[ids.length];
      int blocks = (ids.length + BLOCK - 1) / BLOCK;
      float[] sorted = new float[blocks * rank * BLOCK];
      for (int j = 0; j < ids.length; j++) {
        int i = order.items[j];
        bias[j] = itemBias[i];
        int off = (j / BLOCK) * rank * BLOCK + j % BLOCK;
        for (int p = 0; p < rank; p++) sorted[off + p * BLOCK] = factors[i * rank + p];
      }
      b = new ByNorm(order, bias, sorted);
      byNorm = b;
    }
    return b;
  }

  /** The row of a movie, or -1 if the model does not know it. */
  public int indexOf(long movieId) {
    for (int slot = slot(movieId); rows[slot] != 0; slot = (slot + 1) & mask) {
      if (keys[slot] == movieId) return rows[slot] - 1;
    }
    return -1;
  }
}
