package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import moviereco.contracts.TopN;
import org.junit.jupiter.api.Test;

class FoldInTest {
  /** A random model: ids 1..n (as 10, 20, ...), biases and factors of the given rank. */
  static Model randomModel(Random random, int n, int rank, double mean, double reg) {
    long[] ids = new long[n];
    float[] bias = new float[n];
    float[] factors = new float[n * rank];
    for (int i = 0; i < n; i++) {
      ids[i] = 10L * (i + 1);
      bias[i] = (float) (random.nextGaussian() * 0.3);
      for (int f = 0; f < rank; f++) factors[i * rank + f] = (float) (random.nextGaussian() * 0.5);
    }
    return new Model("v1", 0, rank, mean, reg, 15, ids, bias, factors);
  }

  /**
   * The reference: the normal equations built densely with matrix products and solved by
   * Gauss-Jordan elimination with partial pivoting: a different route to the same x_u.
   */
  static double[] reference(Model m, int[] rows, float[] ratings, double bu) {
    int k = m.rank;
    int n = rows.length;
    double[][] y = new double[n][k];
    double[] residual = new double[n];
    for (int j = 0; j < n; j++) {
      for (int f = 0; f < k; f++) y[j][f] = m.factors[rows[j] * k + f];
      residual[j] = ratings[j] - m.globalMean - bu - m.itemBias[rows[j]];
    }
    double[][] aug = new double[k][k + 1];
    for (int p = 0; p < k; p++) {
      for (int q = 0; q < k; q++) {
        double s = 0;
        for (int j = 0; j < n; j++) s += y[j][p] * y[j][q];
        aug[p][q] = s + (p == q ? m.reg * n : 0);
      }
      double s = 0;
      for (int j = 0; j < n; j++) s += y[j][p] * residual[j];
      aug[p][k] = s;
    }
    for (int c = 0; c < k; c++) {
      int pivot = c;
      for (int r = c + 1; r < k; r++) if (Math.abs(aug[r][c]) > Math.abs(aug[pivot][c])) pivot = r;
      double[] t = aug[c];
      aug[c] = aug[pivot];
      aug[pivot] = t;
      for (int r = 0; r < k; r++) {
        if (r == c) continue;
        double factor = aug[r][c] / aug[c][c];
        for (int q = c; q <= k; q++) aug[r][q] -= factor * aug[c][q];
      }
    }
    double[] x = new double[k];
    for (int p = 0; p < k; p++) x[p] = aug[p][k] / aug[p][p];
    return x;
  }

  @Test
  void solvesTheNormalEquationsLikeTheReference() {
    Random random = new Random(7);
    for (int rank : new int[] {1, 3, 10, 25}) {
      Model m = randomModel(random, 300, rank, 3.5, 0.1);
      for (int trial = 0; trial < 20; trial++) {
        int n = 1 + random.nextInt(120);
        int[] rows = random.ints(0, m.size()).distinct().limit(n).toArray();
        float[] ratings = new float[rows.length];
        for (int j = 0; j < rows.length; j++) ratings[j] = (1 + random.nextInt(10)) / 2f;
        FoldIn.UserVector u = FoldIn.solve(m, rows, ratings);
        double biasSum = 0;
        for (int j = 0; j < rows.length; j++)
          biasSum += ratings[j] - m.globalMean - m.itemBias[rows[j]];
        assertEquals(biasSum / (rows.length + 15), u.bias(), 1e-12);
        assertArrayEquals(
            reference(m, rows, ratings, u.bias()),
            u.x(),
            1e-9,
            "rank " + rank + ", " + rows.length + " ratings");
        assertEquals(rows.length, u.n());
      }
    }
  }

  @Test
  void recoversAPlantedUserVectorAsRegularisationVanishes() {
    Random random = new Random(11);
    Model m = randomModel(random, 500, 5, 0, 1e-9);
    double[] truth = {0.8, -0.3, 0.5, 0.1, -0.9};
    int[] rows = random.ints(0, m.size()).distinct().limit(200).toArray();
    float[] ratings = new float[rows.length];
    // no biases: a model without them (damping NaN) sees the rating as x·y alone
    Model plain = new Model("v", 0, 5, 0, 1e-9, Double.NaN, m.ids, new float[m.size()], m.factors);
    for (int j = 0; j < rows.length; j++) {
      double s = 0;
      for (int f = 0; f < 5; f++) s += truth[f] * plain.factors[rows[j] * 5 + f];
      ratings[j] = (float) s;
    }
    FoldIn.UserVector u = FoldIn.solve(plain, rows, ratings);
    assertEquals(0, u.bias());
    assertArrayEquals(truth, u.x(), 1e-4);
  }

  @Test
  void skipsMoviesTheModelDoesNotKnowAndHandlesNone() {
    Random random = new Random(3);
    Model m = randomModel(random, 50, 4, 3.0, 0.1);
    FoldIn.UserVector known = FoldIn.solve(m, new int[] {1, 2, 3}, new float[] {4, 2, 5});
    FoldIn.UserVector withUnknown =
        FoldIn.solve(m, new int[] {1, -1, 2, 3}, new float[] {4, 1, 2, 5});
    assertArrayEquals(known.x(), withUnknown.x(), 0);
    assertEquals(known.bias(), withUnknown.bias(), 0);
    FoldIn.UserVector none = FoldIn.solve(m, new int[] {-1}, new float[] {3});
    assertEquals(0, none.n());
    assertArrayEquals(new double[4], none.x());
  }

  /**
   * Every movie scored, one at a time, in float, μ + b_u + b_i first: what the pruned loop must
   * give.
   */
  private static TopN.Result scoringEveryMovie(
      Model m, FoldIn.UserVector u, boolean[] exclude, int n) {
    TopN expected = new TopN(n);
    float base = (float) (m.globalMean + u.bias());
    for (int i = 0; i < m.size(); i++) {
      if (exclude[i]) continue;
      float s = base + m.itemBias[i];
      for (int p = 0; p < m.rank; p++) s += (float) u.x()[p] * m.factors[i * m.rank + p];
      expected.offer(m.ids[i], s);
    }
    return expected.result();
  }

  private static void assertSameBits(TopN.Result want, TopN.Result got) {
    assertArrayEquals(want.ids(), got.ids());
    for (int i = 0; i < want.scores().length; i++)
      assertEquals(Float.floatToIntBits(want.scores()[i]), Float.floatToIntBits(got.scores()[i]));
  }

  @Test
  void stoppingAtTheNormBoundGivesTheSameBitsAsScoringEveryMovie() {
    Random random = new Random(11);
    for (boolean implicit : new boolean[] {false, true}) {
      Model e = randomModel(random, 3001, 10, implicit ? 0 : 3.5, 0.1);
      // norms spread over two orders of magnitude, as popular and rare movies' factors are
      float[] factors = e.factors.clone();
      for (int i = 0; i < e.size(); i++) {
        float scale = (float) Math.exp(random.nextGaussian() * 1.5);
        for (int f = 0; f < e.rank; f++) factors[i * e.rank + f] *= scale;
      }
      Model m =
          implicit
              ? new Model(
                  "v", 0, 10, 0, 0.1, Double.NaN, true, 1.0, e.ids, new float[e.size()], factors)
              : new Model("v", 0, 10, 3.5, 0.1, 15, e.ids, e.itemBias, factors);
      for (int trial = 0; trial < 40; trial++) {
        int rated = 1 + random.nextInt(trial % 4 == 0 ? 2000 : 60);
        int[] rows = new int[rated];
        float[] ratings = new float[rated];
        boolean[] exclude = new boolean[m.size()];
        for (int j = 0; j < rated; j++) {
          // long histories rate the big-norm movies first, as heavy users rate the popular ones
          rows[j] = trial % 2 == 0 ? m.byNorm().order().items[j] : random.nextInt(m.size());
          ratings[j] = 0.5f * (1 + random.nextInt(10));
          exclude[rows[j]] = true;
        }
        FoldIn.UserVector u = FoldIn.solve(m, rows, ratings);
        for (int n : new int[] {1, 10, 100, m.size() + 5}) {
          assertSameBits(scoringEveryMovie(m, u, exclude, n), FoldIn.recommend(m, u, exclude, n));
        }
      }
    }
  }

  @Test
  void byNormCopiesEachPositionsFactorsAndBias() {
    Model m = randomModel(new Random(3), 700, 6, 3.0, 0.1);
    Model.ByNorm b = m.byNorm();
    for (int j = 0; j < m.size(); j++) {
      int row = b.order().items[j];
      assertEquals(m.itemBias[row], b.bias()[j]);
      for (int f = 0; f < m.rank; f++) {
        int at = ((j / Model.BLOCK) * m.rank + f) * Model.BLOCK + j % Model.BLOCK;
        assertEquals(m.factors[row * m.rank + f], b.factors()[at]);
      }
    }
    // the last block is padded with zeros to a whole block
    assertEquals(3 * m.rank * Model.BLOCK, b.factors().length);
    for (int j = m.size(); j < 3 * Model.BLOCK; j++)
      for (int f = 0; f < m.rank; f++)
        assertEquals(0f, b.factors()[(2 * m.rank + f) * Model.BLOCK + j % Model.BLOCK]);
  }

  @Test
  void recommendsTheBestScoredUnratedMoviesInOrder() {
    Random random = new Random(5);
    Model m = randomModel(random, 400, 6, 3.2, 0.1);
    int[] rows = {5, 17, 99, 230};
    FoldIn.UserVector u = FoldIn.solve(m, rows, new float[] {5, 4.5f, 1, 2});
    boolean[] exclude = new boolean[m.size()];
    for (int r : rows) exclude[r] = true;
    TopN.Result top = FoldIn.recommend(m, u, exclude, 25);
    assertEquals(25, top.ids().length);
    // brute force: every unrated movie's score, sorted
    double[] all = new double[m.size()];
    Integer[] order = new Integer[m.size()];
    for (int i = 0; i < m.size(); i++) {
      all[i] = exclude[i] ? Double.NEGATIVE_INFINITY : FoldIn.score(m, u, i);
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(all[b], all[a]));
    for (int i = 0; i < 25; i++) {
      assertEquals(m.ids[order[i]], top.ids()[i]);
      assertEquals(all[order[i]], top.scores()[i], 1e-4);
      assertFalse(exclude[m.indexOf(top.ids()[i])]);
      if (i > 0) assertTrue(top.scores()[i - 1] >= top.scores()[i]);
    }
  }

  @Test
  void implicitSolveSatisfiesTheConfidenceWeightedNormalEquations() {
    Random random = new Random(7);
    Model e = randomModel(random, 40, 5, 0, 0.1);
    Model m =
        new Model("v1", 0, 5, 0, 0.1, Double.NaN, true, 2.0, e.ids, new float[e.size()], e.factors);
    int[] rows = {3, 8, 15, 22, 31, 39};
    float[] ratings = {5f, 4.5f, 1f, 3f, 0.5f, 4f};
    FoldIn.UserVector u = FoldIn.solve(m, rows, ratings);
    assertEquals(0, u.bias());
    assertEquals(rows.length, u.n());
    // A x computed densely, with Yᵀ Y summed over every item of the model: A x must equal b
    int k = m.rank;
    double[] ax = new double[k];
    double[] b = new double[k];
    for (int i = 0; i < m.size(); i++) {
      double c1 = 0;
      boolean rated = false;
      for (int j = 0; j < rows.length; j++) {
        if (rows[j] == i) {
          c1 = m.alpha * ratings[j];
          rated = true;
        }
      }
      double dot = 0;
      for (int f = 0; f < k; f++) dot += m.factors[i * k + f] * u.x()[f];
      for (int p = 0; p < k; p++) {
        ax[p] += (1 + c1) * m.factors[i * k + p] * dot;
        if (rated) b[p] += (1 + c1) * m.factors[i * k + p];
      }
    }
    for (int p = 0; p < k; p++) ax[p] += m.reg * rows.length * u.x()[p];
    assertArrayEquals(b, ax, 1e-9);
    // scores are preferences: x · y, no mean or biases
    assertEquals(dotRow(m, u, 3), FoldIn.score(m, u, 3), 1e-12);
  }

  private static double dotRow(Model m, FoldIn.UserVector u, int row) {
    double s = 0;
    for (int f = 0; f < m.rank; f++) s += u.x()[f] * m.factors[row * m.rank + f];
    return s;
  }

  @Test
  void equalScoresRankTheSmallerMovieIdFirst() {
    // every movie has the same factors and no bias: every score is equal
    long[] ids = {70, 20, 50, 10, 40};
    float[] factors = new float[ids.length * 2];
    java.util.Arrays.fill(factors, 0.5f);
    Model m = new Model("v", 0, 2, 3, 0.1, 15, ids, new float[ids.length], factors);
    FoldIn.UserVector u = FoldIn.solve(m, new int[] {m.indexOf(20)}, new float[] {4});
    boolean[] exclude = new boolean[m.size()];
    exclude[m.indexOf(20)] = true;
    TopN.Result top = FoldIn.recommend(m, u, exclude, 3);
    assertArrayEquals(new long[] {10, 40, 50}, top.ids());
  }
}
