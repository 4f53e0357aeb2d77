package moviereco.spark.als;

import java.io.Serializable;
import java.util.List;
import moviereco.contracts.NormOrder;
import moviereco.contracts.TopN;
import org.apache.spark.sql.Row;

/**
 * Item factors as one flat float array, small enough to broadcast (87,585 movies × rank 10 is 3.5
 * MB), with the scoring loops of the batch layer: top-N for a user and nearest movies.
 *
 * <p>Two ways to score. The one-at-a-time methods ({@link #topN(float[], float, long[], int)},
 * {@link #similar(int, int)}) are the reference: one dot product of length rank per movie. The
 * blocked ones ({@link #topN(float[][], float[], long[][], int)}, {@link #similar(int, int, int)})
 * give exactly the same results, faster: they score a block of users (or movies) against a tile of
 * {@link #TILE} movies at a time from a transposed copy of the factors (rank rows of one float per
 * movie), so the innermost loop runs over contiguous movies, which the JIT compiles to vector
 * instructions, and a tile's factor rows stay in the core's caches for the whole block. Each score
 * is computed with the same float operations in the same order as the reference, so both give
 * bit-identical scores and hence identical lists (ItemMatrixTest compares them on random matrices
 * with ties). A score below the user's current n-th best is not offered at all ({@link
 * TopN#threshold()}), and the blocked top-N takes the movies in descending order of norm and stops
 * for a user once no movie left can enter its list (the norm bound; about 2% of the 32M model's
 * movies for a typical user). Similar movies are scored as dot products of unit vectors computed
 * once here, so there is no division per pair.
 */
public final class ItemMatrix implements Serializable {
  /** Movies per tile of the blocked loops: a tile's scores (4 KB) and factor rows stay cached. */
  static final int TILE = 1024;

  /** Users (or movies, for similar movies) per block of the blocked loops. */
  static final int BLOCK = 128;

  final long[] ids;
  final float[] factors;

  /** per-movie bias added to every score (all zero without biases) */
  final float[] bias;

  final float[] norms;
  final int rank;

  /**
   * The blocked top-N's copy of the movies, in descending order of their factors' norm ({@code
   * order}, shared with the speed layer): position j holds movie {@code byNormIds[j]} with bias
   * {@code byNormBias[j]} and its factors transposed ({@code factorsT[k * movies + j]}).
   */
  final NormOrder order;

  final long[] byNormIds;
  final float[] byNormBias;
  final float[] factorsT;

  /** each movie's factors divided by their norm (zeros for all-zero factors), row-major */
  final float[] unit;

  /** unit transposed, in index order ({@code unitT[k * movies + i]}) */
  final float[] unitT;

  ItemMatrix(long[] ids, float[] factors, float[] bias, int rank) {
    this.ids = ids;
    this.factors = factors;
    this.bias = bias;
    this.rank = rank;
    int m = ids.length;
    this.norms = new float[m];
    this.unit = new float[m * rank];
    this.unitT = new float[m * rank];
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int k = 0; k < rank; k++) s += (double) factors[i * rank + k] * factors[i * rank + k];
      double norm = Math.sqrt(s);
      norms[i] = (float) norm;
      for (int k = 0; k < rank; k++) {
        float u = norm == 0 ? 0f : (float) (factors[i * rank + k] / norm);
        unit[i * rank + k] = u;
        unitT[k * m + i] = u;
      }
    }
    this.order = new NormOrder(factors, bias, rank);
    this.byNormIds = new long[m];
    this.byNormBias = new float[m];
    this.factorsT = new float[m * rank];
    for (int j = 0; j < m; j++) {
      int i = order.items[j];
      byNormIds[j] = ids[i];
      byNormBias[j] = bias[i];
      for (int k = 0; k < rank; k++) factorsT[k * m + j] = factors[i * rank + k];
    }
  }

  /** From rows (id, features array<float>, bias float) as {@code Biases.itemFactors} gives them. */
  static ItemMatrix fromRows(List<Row> rows, int rank) {
    long[] ids = new long[rows.size()];
    float[] factors = new float[rows.size() * rank];
    float[] bias = new float[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      ids[i] = ((Number) r.get(0)).longValue();
      List<Float> f = r.getList(1);
      for (int k = 0; k < rank; k++) factors[i * rank + k] = f.get(k);
      bias[i] = r.isNullAt(2) ? 0f : ((Number) r.get(2)).floatValue();
    }
    return new ItemMatrix(ids, factors, bias, rank);
  }

  public int size() {
    return ids.length;
  }

  /**
   * The n best movies for a user vector, skipping the ones in {@code excludeSorted} (sorted ids),
   * in {@link TopN}'s order (ties: smaller movie id first). O(movies × rank + movies × log n).
   */
  public TopN.Result topN(float[] user, long[] excludeSorted, int n) {
    return topN(user, 0f, excludeSorted, n);
  }

  /** As above; a score is {@code offset + movie bias + user · movie} (offset: mean + user bias). */
  public TopN.Result topN(float[] user, float offset, long[] excludeSorted, int n) {
    TopN top = new TopN(n).exclude(excludeSorted);
    for (int i = 0; i < ids.length; i++) {
      float s = offset + bias[i];
      int base = i * rank;
      for (int k = 0; k < rank; k++) s += user[k] * factors[base + k];
      top.offer(ids[i], s);
    }
    return top.result();
  }

  /**
   * The n best movies for each of a block of users ({@code users[u]}, {@code offsets[u]}, {@code
   * excludeSorted[u]} as above): the same results as {@link #topN(float[], float, long[], int)} for
   * each, computed tile by tile (see the class comment), over the movies in descending order of
   * their norm: a user whose top-N is full is done at the first tile from which no movie can enter
   * it ({@link NormOrder#exhausted}, the Cauchy–Schwarz bound).
   */
  public TopN.Result[] topN(float[][] users, float[] offsets, long[][] excludeSorted, int n) {
    int m = ids.length;
    TopN[] tops = new TopN[users.length];
    float[] thresholds = new float[users.length];
    double[] userNorms = new double[users.length];
    boolean[] done = new boolean[users.length];
    for (int u = 0; u < users.length; u++) {
      tops[u] = new TopN(n).exclude(excludeSorted[u]);
      thresholds[u] = tops[u].threshold();
      userNorms[u] = NormOrder.norm(users[u]);
    }
    float[] scores = new float[TILE];
    for (int from = 0; from < m; from += TILE) {
      int len = Math.min(TILE, m - from);
      boolean scored = false;
      for (int u = 0; u < users.length; u++) {
        if (done[u]) continue;
        float[] x = users[u];
        float offset = offsets[u];
        if (tops[u].size() == n && order.exhausted(from, offset, userNorms[u], thresholds[u])) {
          done[u] = true;
          continue;
        }
        scored = true;
        // the reference's order: offset + bias, then + x[k] · y[k] for k = 0, 1, …
        for (int i = 0; i < len; i++) scores[i] = offset + byNormBias[from + i];
        for (int k = 0; k < rank; k++) {
          float xk = x[k];
          int row = k * m + from;
          for (int i = 0; i < len; i++) scores[i] += xk * factorsT[row + i];
        }
        thresholds[u] = offerTile(tops[u], thresholds[u], scores, byNormIds, from, len, -1);
      }
      if (!scored) break;
    }
    return results(tops);
  }

  /**
   * The n movies nearest to movie {@code i} (an index) by cosine of their factors, itself and
   * movies with all-zero factors excluded (none for a movie with all-zero factors), in {@link
   * TopN}'s order. The cosine is the dot product of the unit vectors.
   */
  public TopN.Result similar(int i, int n) {
    TopN top = new TopN(n);
    if (norms[i] == 0) return top.result();
    int q = i * rank;
    for (int j = 0; j < ids.length; j++) {
      if (j == i || norms[j] == 0) continue;
      float s = 0;
      int base = j * rank;
      for (int k = 0; k < rank; k++) s += unit[q + k] * unit[base + k];
      top.offer(ids[j], s);
    }
    return top.result();
  }

  /**
   * {@link #similar(int, int)} for the movies at indices {@code from} (inclusive) to {@code to}
   * (exclusive): the same results, computed tile by tile (see the class comment).
   */
  public TopN.Result[] similar(int from, int to, int n) {
    int m = ids.length;
    TopN[] tops = new TopN[to - from];
    float[] thresholds = new float[tops.length];
    for (int q = 0; q < tops.length; q++) {
      tops[q] = new TopN(n);
      thresholds[q] = tops[q].threshold();
    }
    float[] scores = new float[TILE];
    for (int tile = 0; tile < m; tile += TILE) {
      int len = Math.min(TILE, m - tile);
      for (int q = 0; q < tops.length; q++) {
        int i = from + q;
        if (norms[i] == 0) continue;
        for (int j = 0; j < len; j++) scores[j] = 0f;
        for (int k = 0; k < rank; k++) {
          float uk = unit[i * rank + k];
          int row = k * m + tile;
          for (int j = 0; j < len; j++) scores[j] += uk * unitT[row + j];
        }
        thresholds[q] = offerTile(tops[q], thresholds[q], scores, ids, tile, len, i);
      }
    }
    return results(tops);
  }

  /**
   * Offers a tile's scores (the movies at positions {@code from} to {@code from + len} of {@code
   * tileIds}) to a top-N whose threshold is {@code threshold}, skipping scores below it and, for
   * similar movies ({@code self} ≥ 0, positions in index order), the movie at index {@code self}
   * and movies with all-zero factors; returns the new threshold.
   */
  private float offerTile(
      TopN top, float threshold, float[] scores, long[] tileIds, int from, int len, int self) {
    for (int j = 0; j < len; j++) {
      float s = scores[j];
      if (s < threshold) continue; // cannot enter: an equal score still might, by its smaller id
      int i = from + j;
      if (self >= 0 && (i == self || norms[i] == 0)) continue;
      top.offer(tileIds[i], s);
      threshold = top.threshold();
    }
    return threshold;
  }

  private static TopN.Result[] results(TopN[] tops) {
    TopN.Result[] out = new TopN.Result[tops.length];
    for (int u = 0; u < tops.length; u++) out[u] = tops[u].result();
    return out;
  }
}
