package moviereco.spark.als;

import java.io.Serializable;
import java.util.Arrays;
import moviereco.contracts.Cholesky;

/**
 * A user's bias and vector from their ratings and fixed item factors: one exact ALS half-step, the
 * user solve Spark's ALS ends each of its iterations with, and the one the speed layer's fold-in
 * solves (flink-jobs FoldIn, docs/batch.md), with the numbers the model files hold (float item
 * factors and biases, the double mean):
 *
 * <pre>
 *   explicit: b_u = Σ (r − μ − b_i) / (n + damping)   (0 without biases)
 *             x_u = (Σ y yᵀ + λ n I)⁻¹ Σ (r − μ − b_u − b_i) y
 *   implicit: x_u = (Yᵀ Y + Σ α r y yᵀ + λ n I)⁻¹ Σ (1 + α r) y
 * </pre>
 *
 * over the rated movies the item factors know (n of them). The served model's user vectors come
 * from here when it keeps the evaluation's item factors ({@code --final-fit train}, see {@link
 * Training}), so that they are fitted on all of a user's ratings and the speed layer's fold-in
 * reproduces them by construction.
 */
final class UserSolve implements Serializable {
  /** A user's solved bias (0 without biases) and vector, from n known ratings. */
  record Vector(double bias, double[] x, int n) {}

  final ItemMatrix items;

  /** μ: 0 without biases, as the model files say */
  final double mean;

  final boolean implicit;
  final boolean biases;
  final double alpha;
  final double reg;

  /** the movie ids sorted, and each one's row in the item matrix */
  private final long[] sortedIds;

  private final int[] rowOfSorted;

  /** Yᵀ Y over all item factors (implicit only), its lower triangle, row-major */
  private final double[] gram;

  UserSolve(ItemMatrix items, double mean, JobOptions o) {
    this.items = items;
    this.mean = o.biases ? mean : 0;
    this.implicit = o.implicit;
    this.biases = o.biases;
    this.alpha = o.alpha;
    this.reg = o.reg;
    int m = items.size();
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Long.compare(items.ids[a], items.ids[b]));
    sortedIds = new long[m];
    rowOfSorted = new int[m];
    for (int i = 0; i < m; i++) {
      sortedIds[i] = items.ids[order[i]];
      rowOfSorted[i] = order[i];
    }
    int k = items.rank;
    gram = new double[k * k];
    if (implicit) {
      for (int off = 0; off < items.factors.length; off += k) {
        for (int p = 0; p < k; p++) {
          double yp = items.factors[off + p];
          for (int q = 0; q <= p; q++) gram[p * k + q] += yp * items.factors[off + q];
        }
      }
    }
  }

  /** The item matrix row of a movie, or -1 if the factors do not know it. */
  int row(long movieId) {
    int at = Arrays.binarySearch(sortedIds, movieId);
    return at < 0 ? -1 : rowOfSorted[at];
  }

  /** Solves for ratings of these movies; null if the factors know none of them. */
  Vector solve(long[] movies, float[] ratings) {
    int k = items.rank;
    float[] y = items.factors;
    int[] rows = new int[movies.length];
    int n = 0;
    double biasSum = 0;
    for (int j = 0; j < movies.length; j++) {
      rows[j] = row(movies[j]);
      if (rows[j] < 0) continue;
      n++;
      biasSum += ratings[j] - mean - items.bias[rows[j]];
    }
    if (n == 0) return null;
    double bu = biases && !implicit ? biasSum / (n + Biases.USER_DAMPING) : 0;
    double[] a = implicit ? gram.clone() : new double[k * k];
    double[] b = new double[k];
    for (int j = 0; j < movies.length; j++) {
      int row = rows[j];
      if (row < 0) continue;
      int off = row * k;
      // explicit: weight 1, target the residual; implicit: weight α r on top of Yᵀ Y, target 1+αr
      double c1 = implicit ? alpha * Math.abs(ratings[j]) : 1;
      double target = implicit ? 1 + c1 : ratings[j] - mean - bu - items.bias[row];
      for (int p = 0; p < k; p++) {
        double yp = y[off + p];
        b[p] += target * yp;
        for (int q = 0; q <= p; q++) a[p * k + q] += c1 * yp * y[off + q];
      }
    }
    for (int p = 0; p < k; p++) a[p * k + p] += reg * n;
    Cholesky.solve(a, b, k);
    return new Vector(bu, b, n);
  }
}
