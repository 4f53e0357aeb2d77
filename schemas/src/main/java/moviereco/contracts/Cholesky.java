package moviereco.contracts;

/**
 * The fold-in's linear solve, one copy for both layers: the speed layer's {@code FoldIn} and the
 * batch's {@code UserSolve} solve a user's normal equations with it, so the batch's user vectors
 * and the speed layer's agree to the last bit the same inputs allow.
 */
public final class Cholesky {
  private Cholesky() {}

  /**
   * Solves A x = b in place for a symmetric positive definite A of which the lower triangle is
   * filled (row-major k×k); b receives x, A its Cholesky factor.
   *
   * @throws ArithmeticException when A is not positive definite
   */
  public static void solve(double[] a, double[] b, int k) {
    for (int j = 0; j < k; j++) {
      double d = a[j * k + j];
      for (int p = 0; p < j; p++) d -= a[j * k + p] * a[j * k + p];
      if (d <= 0) throw new ArithmeticException("matrix is not positive definite");
      double l = Math.sqrt(d);
      a[j * k + j] = l;
      for (int i = j + 1; i < k; i++) {
        double s = a[i * k + j];
        for (int p = 0; p < j; p++) s -= a[i * k + p] * a[j * k + p];
        a[i * k + j] = s / l;
      }
    }
    for (int i = 0; i < k; i++) {
      double s = b[i];
      for (int p = 0; p < i; p++) s -= a[i * k + p] * b[p];
      b[i] = s / a[i * k + i];
    }
    for (int i = k - 1; i >= 0; i--) {
      double s = b[i];
      for (int p = i + 1; p < k; p++) s -= a[p * k + i] * b[p];
      b[i] = s / a[i * k + i];
    }
  }
}
