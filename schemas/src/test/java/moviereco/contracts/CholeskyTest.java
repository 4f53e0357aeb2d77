package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CholeskyTest {
  @Test
  void solvesASymmetricPositiveDefiniteSystemFromItsLowerTriangle() {
    // A = [[4,2,0],[2,5,1],[0,1,3]], x = (1,-1,2): b = A x = (2,-1,5); only the lower triangle is
    // read
    double[] a = {4, 99, 99, 2, 5, 99, 0, 1, 3};
    double[] b = {2, -1, 5};
    Cholesky.solve(a, b, 3);
    assertArrayEquals(new double[] {1, -1, 2}, b, 1e-12);
  }

  @Test
  void refusesAMatrixThatIsNotPositiveDefinite() {
    double[] a = {1, 0, 2, 1};
    assertThrows(ArithmeticException.class, () -> Cholesky.solve(a, new double[] {1, 1}, 2));
  }
}
