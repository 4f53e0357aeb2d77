package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import moviereco.contracts.TopN;
import org.junit.jupiter.api.Test;

/**
 * The blocked scoring loops give exactly what the one-at-a-time reference gives: the same ids and
 * bit-identical scores, on random matrices that span several tiles and blocks, with many ties
 * (small integer factors), exclusions, NaN scores and movies without factors.
 */
class ItemMatrixBlockedTest {
  /** Movies across three tiles (the last one partial), in shuffled id order. */
  static final int MOVIES = 2 * ItemMatrix.TILE + 317;

  static ItemMatrix random(Random random, int rank, boolean ties) {
    Set<Long> distinct = new LinkedHashSet<>();
    while (distinct.size() < MOVIES) distinct.add((long) random.nextInt(1_000_000));
    long[] ids = distinct.stream().mapToLong(Long::longValue).toArray();
    float[] factors = new float[MOVIES * rank];
    float[] bias = new float[MOVIES];
    for (int i = 0; i < MOVIES; i++) {
      boolean zero = random.nextInt(50) == 0; // a movie without factors
      // norms spread over two orders of magnitude, as popular and rare movies' are (the blocked
      // top-N stops at the norm bound)
      float scale = (float) Math.exp(random.nextGaussian() * 1.5) * 0.3f;
      for (int k = 0; k < rank; k++)
        factors[i * rank + k] =
            zero ? 0 : ties ? random.nextInt(3) - 1 : (float) random.nextGaussian() * scale;
      bias[i] = ties ? random.nextInt(2) / 2f : (float) random.nextGaussian() * 0.1f;
    }
    bias[random.nextInt(MOVIES)] = Float.NaN; // a NaN score is never kept
    return new ItemMatrix(ids, factors, bias, rank);
  }

  static float[] user(Random random, int rank, boolean ties) {
    float[] x = new float[rank];
    for (int k = 0; k < rank; k++)
      x[k] = ties ? random.nextInt(3) - 1 : (float) random.nextGaussian();
    return x;
  }

  /** A random sorted subset of the matrix's ids, or null (no exclusions). */
  static long[] exclusions(Random random, ItemMatrix m) {
    if (random.nextInt(5) == 0) return null;
    long[] out = new long[random.nextInt(300)];
    for (int i = 0; i < out.length; i++) out[i] = m.ids[random.nextInt(m.size())];
    return Arrays.stream(out).distinct().sorted().toArray();
  }

  @Test
  void blockedTopNIsTheReference() {
    Random random = new Random(7);
    for (boolean ties : new boolean[] {true, false}) {
      for (int rank : new int[] {1, 3, 10}) {
        ItemMatrix m = random(random, rank, ties);
        for (int n : new int[] {0, 1, 10, 100, MOVIES + 5}) {
          int users = 1 + random.nextInt(2 * ItemMatrix.BLOCK);
          float[][] x = new float[users][];
          float[] offsets = new float[users];
          long[][] exclude = new long[users][];
          for (int u = 0; u < users; u++) {
            x[u] = user(random, rank, ties);
            offsets[u] = ties ? random.nextInt(3) : (float) random.nextGaussian();
            exclude[u] = exclusions(random, m);
          }
          TopN.Result[] blocked = m.topN(x, offsets, exclude, n);
          assertEquals(users, blocked.length);
          for (int u = 0; u < users; u++) {
            TopN.Result reference = m.topN(x[u], offsets[u], exclude[u], n);
            assertEquals(reference, blocked[u], "rank " + rank + ", n " + n + ", user " + u);
          }
        }
      }
    }
  }

  @Test
  void tiesAreReallyExercised() {
    Random random = new Random(7);
    ItemMatrix m = random(random, 3, true);
    TopN.Result r = m.topN(new float[][] {{1, 1, 0}}, new float[] {0}, new long[][] {null}, 100)[0];
    int ties = 0;
    for (int i = 1; i < r.scores().length; i++) {
      if (r.scores()[i] == r.scores()[i - 1]) {
        ties++;
        assertTrue(r.ids()[i] > r.ids()[i - 1], "equal scores: the smaller id first");
      }
    }
    assertTrue(ties > 50, "ties: " + ties);
  }

  @Test
  void blockedSimilarIsTheReference() {
    Random random = new Random(11);
    for (boolean ties : new boolean[] {true, false}) {
      for (int rank : new int[] {1, 4, 10}) {
        ItemMatrix m = random(random, rank, ties);
        for (int n : new int[] {0, 1, 20, MOVIES}) {
          // a few blocks at random places, the last (partial) one included
          int[] starts = {0, random.nextInt(MOVIES - ItemMatrix.BLOCK), MOVIES - 5};
          for (int from : starts) {
            int to = Math.min(from + ItemMatrix.BLOCK, MOVIES);
            TopN.Result[] blocked = m.similar(from, to, n);
            assertEquals(to - from, blocked.length);
            for (int q = 0; q < blocked.length; q++)
              assertEquals(m.similar(from + q, n), blocked[q], "rank " + rank + ", movie " + q);
          }
        }
      }
    }
  }

  @Test
  void similarIsTheCosine() {
    Random random = new Random(13);
    ItemMatrix m = random(random, 6, false);
    int i = 0;
    while (m.norms[i] == 0) i++;
    TopN.Result r = m.similar(i, 5);
    for (int p = 0; p < r.ids().length; p++) {
      int j = 0;
      while (m.ids[j] != r.ids()[p]) j++;
      double dot = 0;
      for (int k = 0; k < 6; k++) dot += (double) m.factors[i * 6 + k] * m.factors[j * 6 + k];
      assertEquals(dot / ((double) m.norms[i] * m.norms[j]), r.scores()[p], 1e-6);
    }
  }

  @Test
  void inBlocksMapsEveryRowOnceInOrder() {
    List<Integer> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) rows.add(i);
    List<Integer> sizes = new ArrayList<>();
    Iterator<Integer> out =
        SparkRows.<Integer, Integer>inBlocks(
            rows.iterator(),
            128,
            block -> {
              sizes.add(block.size());
              return block.stream().map(r -> r * 2).toList();
            });
    List<Integer> all = new ArrayList<>();
    out.forEachRemaining(all::add);
    assertEquals(rows.stream().map(r -> r * 2).toList(), all);
    assertEquals(List.of(128, 128, 44), sizes);
    assertTrue(!SparkRows.inBlocks(List.<Integer>of().iterator(), 128, b -> b).hasNext());
  }

  @Test
  void aMovieWithoutFactorsHasNoSimilarMovies() {
    ItemMatrix m = ItemMatrixTest.matrix();
    assertArrayEquals(new long[0], m.similar(4, 10).ids()); // 13: all-zero factors
    assertArrayEquals(new long[0], m.similar(4, 5, 10)[0].ids());
  }
}
