package moviereco.contracts;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Items in descending order of their factors' norm, for a top-N that stops scoring early and
 * exactly, in both layers (the speed job's fold-in and the batch's recommend phase). A score is
 * offset + b_i + x · y_i, computed in float; by Cauchy–Schwarz no item from position j on can score
 * above offset + {@link #biasFromHere}[j] + |x| {@link #norms}[j]. Once a top-N is full and that
 * bound, with headroom for float rounding, is below its worst kept score, no item left can enter it
 * (an equal score still could, by a smaller id, so the test is strict).
 */
public final class NormOrder implements Serializable {
  /**
   * Headroom on the bound for the rounding of a score computed in float: its error is below (rank +
   * 2) 2⁻²⁴ of |offset| + |b_i| + |x||y_i|, this is 1e-4 of it.
   */
  static final double ROUNDING = 1e-4;

  /** the item (its index in the factors given) at each position */
  public final int[] items;

  /** the norm of each position's factors; a NaN norm counts as infinite */
  public final double[] norms;

  /** the largest bias from each position on; a NaN bias counts as infinite */
  public final double[] biasFromHere;

  /** Orders the items of row-major {@code factors} (rank values per item) and their biases. */
  public NormOrder(float[] factors, float[] bias, int rank) {
    int n = bias.length;
    double[] norm = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int k = 0; k < rank; k++) s += (double) factors[i * rank + k] * factors[i * rank + k];
      norm[i] = Double.isNaN(s) ? Double.POSITIVE_INFINITY : Math.sqrt(s);
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Double.compare(norm[b], norm[a]));
    items = new int[n];
    norms = new double[n];
    biasFromHere = new double[n];
    for (int j = 0; j < n; j++) {
      items[j] = order[j];
      norms[j] = norm[order[j]];
    }
    double max = Double.NEGATIVE_INFINITY;
    for (int j = n - 1; j >= 0; j--) {
      float b = bias[items[j]];
      max = Float.isNaN(b) ? Double.POSITIVE_INFINITY : Math.max(max, b);
      biasFromHere[j] = max;
    }
  }

  /** |x| of a user vector as it is scored, in float. */
  public static double norm(float[] x) {
    double s = 0;
    for (float v : x) s += (double) v * v;
    return Math.sqrt(s);
  }

  /**
   * True when no item from position {@code j} on can score {@code threshold} or more for a user
   * with this offset and norm ({@link TopN#threshold()}: nothing left can enter a full top-N).
   */
  public boolean exhausted(int j, double offset, double userNorm, float threshold) {
    double reach = Math.abs(biasFromHere[j]) + userNorm * norms[j];
    double bound = offset + biasFromHere[j] + userNorm * norms[j];
    return bound + ROUNDING * (Math.abs(offset) + reach) < threshold;
  }
}
