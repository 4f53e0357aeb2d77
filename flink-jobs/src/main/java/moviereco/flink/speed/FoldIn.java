package moviereco.flink.speed;

import moviereco.contracts.Cholesky;
import moviereco.contracts.NormOrder;
import moviereco.contracts.TopN;

/**
 * The speed layer's maths (docs/speed.md): for a user's ratings and fixed item factors Y, the batch
 * model's user solve, exactly as the batch job's last ALS step does it:
 *
 * <pre>
 *   b_u = Σ (r − μ − b_i) / (n + damping)
 *   x_u = (Σ y yᵀ + λ n I)⁻¹ Σ (r − μ − b_u − b_i) y
 *   score(i) = μ + b_u + b_i + x_u · y_i
 * </pre>
 *
 * over the rated movies the model knows (n of them). For an implicit-feedback model (no biases, μ =
 * 0; Hu, Koren, Volinsky 2008, with Spark's λ n weighting):
 *
 * <pre>
 *   x_u = (Yᵀ Y + Σ α r y yᵀ + λ n I)⁻¹ Σ (1 + α r) y
 *   score(i) = x_u · y_i
 * </pre>
 *
 * Pure functions on arrays; no Flink here.
 */
public final class FoldIn {
  private FoldIn() {}

  /** A user's solved bias and vector. */
  public record UserVector(double bias, double[] x, int n) {}

  /** Folds in ratings of movies at model rows {@code rows} (entries of -1 are skipped). */
  public static UserVector solve(Model m, int[] rows, float[] ratings) {
    int k = m.rank;
    int n = 0;
    double biasSum = 0;
    for (int j = 0; j < rows.length; j++) {
      if (rows[j] < 0) continue;
      n++;
      biasSum += ratings[j] - m.globalMean - m.itemBias[rows[j]];
    }
    double[] x = new double[k];
    if (n == 0) return new UserVector(0, x, 0);
    if (m.implicit) return solveImplicit(m, rows, ratings, n);
    double bu = Double.isNaN(m.userBiasDamping) ? 0 : biasSum / (n + m.userBiasDamping);

    double[] a = new double[k * k];
    double[] b = new double[k];
    for (int j = 0; j < rows.length; j++) {
      int row = rows[j];
      if (row < 0) continue;
      int off = row * k;
      double residual = ratings[j] - m.globalMean - bu - m.itemBias[row];
      for (int p = 0; p < k; p++) {
        double yp = m.factors[off + p];
        b[p] += residual * yp;
        for (int q = 0; q <= p; q++) a[p * k + q] += yp * m.factors[off + q];
      }
    }
    double lambda = m.reg * n;
    for (int p = 0; p < k; p++) a[p * k + p] += lambda;
    Cholesky.solve(a, b, k);
    System.arraycopy(b, 0, x, 0, k);
    return new UserVector(bu, x, n);
  }

  private static UserVector solveImplicit(Model m, int[] rows, float[] ratings, int n) {
    int k = m.rank;
    double[] a = m.gram.clone();
    double[] b = new double[k];
    for (int j = 0; j < rows.length; j++) {
      int row = rows[j];
      if (row < 0) continue;
      int off = row * k;
      double c1 = m.alpha * Math.abs(ratings[j]);
      for (int p = 0; p < k; p++) {
        double yp = m.factors[off + p];
        b[p] += (1 + c1) * yp;
        for (int q = 0; q <= p; q++) a[p * k + q] += c1 * yp * m.factors[off + q];
      }
    }
    double lambda = m.reg * n;
    for (int p = 0; p < k; p++) a[p * k + p] += lambda;
    Cholesky.solve(a, b, k);
    return new UserVector(0, b, n);
  }

  /** The predicted rating of the movie at model row {@code row}. */
  public static double score(Model m, UserVector u, int row) {
    int off = row * m.rank;
    double s = m.globalMean + u.bias() + m.itemBias[row];
    for (int p = 0; p < m.rank; p++) s += u.x()[p] * m.factors[off + p];
    return s;
  }

  /**
   * The {@code n} best-scored movies, best first (equal scores: the smaller movie id first, the
   * shared {@link TopN} rule), skipping the rows in {@code exclude}.
   *
   * <p>Each score is μ + b_u + b_i + x_0 y_i0 + … + x_(k−1) y_i(k−1), added in that order in float.
   * The movies are taken in descending order of |y_i| ({@link Model#byNorm}), a block of {@link
   * Model#BLOCK} at a time, each block's scores one factor at a time over its column (the same
   * additions in the same order per movie, vectorised), and scoring stops once the top-N is full
   * and no movie left can enter it ({@link NormOrder#exhausted}: the Cauchy–Schwarz bound): the
   * result is the one scoring every movie one by one gives, to the bit.
   */
  public static TopN.Result recommend(Model m, UserVector u, boolean[] exclude, int n) {
    Model.ByNorm items = m.byNorm();
    int k = m.rank;
    int block = Model.BLOCK;
    float[] x = new float[k];
    for (int p = 0; p < k; p++) x[p] = (float) u.x()[p];
    double xNorm = NormOrder.norm(x);
    float base = (float) (m.globalMean + u.bias());
    float[] factors = items.factors();
    float[] bias = items.bias();
    int[] rows = items.order().items;
    float[] s = new float[block];
    TopN top = new TopN(n);
    for (int start = 0; start < m.size(); start += block) {
      if (top.size() == n && items.order().exhausted(start, base, xNorm, top.threshold())) break;
      int len = Math.min(block, m.size() - start);
      for (int t = 0; t < len; t++) s[t] = base + bias[start + t];
      for (int p = 0, off = start * k; p < k; p++, off += block) {
        float xp = x[p];
        for (int t = 0; t < block; t++) s[t] += xp * factors[off + t];
      }
      float threshold = top.threshold();
      for (int t = 0; t < len; t++) {
        if (s[t] < threshold) continue;
        int row = rows[start + t];
        if (exclude != null && exclude[row]) continue;
        top.offer(m.ids[row], s[t]);
        threshold = top.threshold();
      }
    }
    return top.result();
  }
}
