package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The served user vectors of a single-fit run: the exact least-squares solve for fixed item factors
 * (the equations of flink-jobs FoldIn), checked on the equations themselves.
 */
class UserSolveTest {
  static JobOptions options(boolean implicit, boolean biases) {
    JobOptions o = new JobOptions();
    o.implicit = implicit;
    o.biases = biases;
    o.alpha = 1.5;
    o.reg = 0.15;
    return o;
  }

  /** 60 movies with ids 1000 + 7 i, rank 4, small biases. */
  static ItemMatrix items(Random random) {
    int m = 60;
    int k = 4;
    long[] ids = new long[m];
    float[] factors = new float[m * k];
    float[] bias = new float[m];
    for (int i = 0; i < m; i++) {
      ids[i] = 1000 + 7L * ((i * 13) % m); // not sorted
      for (int p = 0; p < k; p++) factors[i * k + p] = (float) random.nextGaussian() * 0.5f;
      bias[i] = (float) random.nextGaussian() * 0.2f;
    }
    return new ItemMatrix(ids, factors, bias, k);
  }

  @Test
  void aRankOneExampleByHand() {
    ItemMatrix items = new ItemMatrix(new long[] {5, 9}, new float[] {1, 2}, new float[2], 1);
    UserSolve.Vector v =
        new UserSolve(items, 0, options(false, false)).solve(new long[] {9, 5}, new float[] {4, 3});
    // (1·1 + 2·2 + 0.15·2) x = 3·1 + 4·2
    assertEquals(11 / 5.3, v.x()[0], 1e-12);
    assertEquals(0, v.bias());
    assertEquals(2, v.n());
  }

  @Test
  void explicitWithBiasesSolvesTheNormalEquationsOfTheResiduals() {
    Random random = new Random(5);
    ItemMatrix items = items(random);
    double mean = 3.4;
    UserSolve solve = new UserSolve(items, mean, options(false, true));
    long[] movies = new long[20];
    float[] ratings = new float[20];
    for (int j = 0; j < 20; j++) {
      movies[j] = j < 18 ? items.ids[random.nextInt(60)] : 5 + j; // the last two: unknown movies
      ratings[j] = 0.5f * (1 + random.nextInt(10));
    }
    UserSolve.Vector v = solve.solve(movies, ratings);
    assertEquals(18, v.n());
    int k = items.rank;
    double biasSum = 0;
    for (int j = 0; j < 18; j++) biasSum += ratings[j] - mean - items.bias[row(items, movies[j])];
    assertEquals(biasSum / (18 + Biases.USER_DAMPING), v.bias(), 1e-12);
    // (Σ y yᵀ + λ n I) x − Σ (r − μ − b_u − b_i) y = 0
    double[] residual = new double[k];
    for (int j = 0; j < 18; j++) {
      int row = row(items, movies[j]);
      double dot = 0;
      for (int p = 0; p < k; p++) dot += (double) items.factors[row * k + p] * v.x()[p];
      double target = ratings[j] - mean - v.bias() - items.bias[row];
      for (int p = 0; p < k; p++) residual[p] += (dot - target) * items.factors[row * k + p];
    }
    for (int p = 0; p < k; p++) residual[p] += 0.15 * 18 * v.x()[p];
    for (int p = 0; p < k; p++) assertEquals(0, residual[p], 1e-10);
  }

  @Test
  void implicitSolvesTheConfidenceWeightedNormalEquations() {
    Random random = new Random(6);
    ItemMatrix items = items(random);
    UserSolve solve = new UserSolve(items, 0, options(true, false));
    long[] movies = {items.ids[3], items.ids[10], items.ids[42], 1};
    float[] ratings = {4.5f, 1f, 3f, 5f};
    UserSolve.Vector v = solve.solve(movies, ratings);
    assertEquals(3, v.n());
    assertEquals(0, v.bias());
    int k = items.rank;
    // (Yᵀ Y + Σ α r y yᵀ + λ n I) x − Σ (1 + α r) y = 0, Y over all 60 movies
    double[] residual = new double[k];
    for (int i = 0; i < 60; i++) {
      double dot = 0;
      for (int p = 0; p < k; p++) dot += (double) items.factors[i * k + p] * v.x()[p];
      for (int p = 0; p < k; p++) residual[p] += dot * items.factors[i * k + p];
    }
    for (int j = 0; j < 3; j++) {
      int row = row(items, movies[j]);
      double c1 = 1.5 * ratings[j];
      double dot = 0;
      for (int p = 0; p < k; p++) dot += (double) items.factors[row * k + p] * v.x()[p];
      for (int p = 0; p < k; p++) residual[p] += (c1 * dot - (1 + c1)) * items.factors[row * k + p];
    }
    for (int p = 0; p < k; p++) residual[p] += 0.15 * 3 * v.x()[p];
    for (int p = 0; p < k; p++) assertEquals(0, residual[p], 1e-10);
  }

  @Test
  void withoutBiasesThereIsNoMeanNorUserBias() {
    ItemMatrix items = items(new Random(8));
    UserSolve solve = new UserSolve(items, 3.5, options(false, false));
    assertEquals(0, solve.mean);
    assertEquals(0, solve.solve(new long[] {items.ids[0]}, new float[] {5}).bias());
  }

  @Test
  void aUserWithNoKnownMovieGetsNoVector() {
    UserSolve solve = new UserSolve(items(new Random(9)), 0, options(true, false));
    assertNull(solve.solve(new long[] {1, 2}, new float[] {4, 4}));
    assertNull(solve.solve(new long[0], new float[0]));
  }

  @Test
  void rowsAreFoundByMovieId() {
    ItemMatrix items = items(new Random(10));
    UserSolve solve = new UserSolve(items, 0, options(true, false));
    for (int i = 0; i < items.size(); i++) assertEquals(i, solve.row(items.ids[i]));
    assertEquals(-1, solve.row(999));
  }

  @Test
  void autoFitsAgainOnlyWhenMuchWasHeldOut() {
    assertTrue(Training.fitAgain("all", 0, 100));
    assertFalse(Training.fitAgain("train", 20, 100));
    // ml-latest-small: every user sampled, 20% held out; 32M: 20,000 users' 20%, about 2%
    assertTrue(Training.fitAgain("auto", 20_167, 100_836));
    assertFalse(Training.fitAgain("auto", 640_000, 32_000_204));
  }

  static int row(ItemMatrix items, long id) {
    for (int i = 0; i < items.size(); i++) if (items.ids[i] == id) return i;
    throw new IllegalArgumentException("no movie " + id);
  }
}
