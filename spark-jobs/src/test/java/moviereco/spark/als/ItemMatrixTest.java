package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import moviereco.contracts.TopN;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

/**
 * The batch layer's scoring, without Spark: top-N per user and similar movies, with TopN's tie
 * rule.
 */
class ItemMatrixTest {
  /** Movies 10..14, rank 2. */
  static ItemMatrix matrix() {
    long[] ids = {14, 10, 12, 11, 13};
    float[] factors = {
      1, 0, // 14
      0, 1, // 10
      1, 1, // 12
      2, 0, // 11
      0, 0, // 13: no factors
    };
    float[] bias = {0, 0.5f, 0, 0, 0.25f};
    return new ItemMatrix(ids, factors, bias, 2);
  }

  @Test
  void scoresAreOffsetPlusBiasPlusDotProduct() {
    TopN.Result r = matrix().topN(new float[] {1, 2}, 0.5f, null, 5);
    // 11: 0.5+0+2 = 2.5, 10: 0.5+0.5+2 = 3, 12: 0.5+3 = 3.5, 14: 0.5+1 = 1.5, 13: 0.5+0.25 = 0.75
    assertArrayEquals(new long[] {12, 10, 11, 14, 13}, r.ids());
    assertArrayEquals(new float[] {3.5f, 3f, 2.5f, 1.5f, 0.75f}, r.scores());
  }

  @Test
  void equalScoresGoSmallerIdFirstAndRatedMoviesAreSkipped() {
    // user (1, 1): 14 -> 1, 10 -> 1.5, 12 -> 2, 11 -> 2, 13 -> 0.25
    TopN.Result r = matrix().topN(new float[] {1, 1}, 0f, null, 3);
    assertArrayEquals(new long[] {11, 12, 10}, r.ids());
    TopN.Result rated = matrix().topN(new float[] {1, 1}, 0f, new long[] {10, 11}, 3);
    assertArrayEquals(new long[] {12, 14, 13}, rated.ids());
  }

  @Test
  void similarIsCosineWithoutItselfNorZeroVectors() {
    ItemMatrix m = matrix();
    // movie 14 (1,0): 11 (2,0) cosine 1, 12 (1,1) 0.707, 10 (0,1) 0; 13 has no factors
    TopN.Result r = m.similar(0, 10);
    assertArrayEquals(new long[] {11, 12, 10}, r.ids());
    assertEquals(1f, r.scores()[0], 1e-6);
    assertEquals((float) Math.sqrt(0.5), r.scores()[1], 1e-6);
    assertEquals(0f, r.scores()[2], 1e-6);
  }

  @Test
  void similarTiesGoSmallerIdFirst() {
    // movie 12 (1,1): 14 and 11 and 10 all at cosine 0.707
    TopN.Result r = matrix().similar(2, 2);
    assertArrayEquals(new long[] {10, 11}, r.ids());
  }

  @Test
  void fromRowsReadsIdsFactorsAndBias() {
    List<Row> rows =
        List.of(RowFactory.create(7, seq(1f, 2f), 0.5f), RowFactory.create(3, seq(0f, 1f), null));
    ItemMatrix m = ItemMatrix.fromRows(rows, 2);
    assertEquals(2, m.size());
    assertArrayEquals(new long[] {7, 3}, m.ids);
    assertArrayEquals(new float[] {1, 2, 0, 1}, m.factors);
    assertArrayEquals(new float[] {0.5f, 0f}, m.bias);
    assertArrayEquals(new long[] {7, 3}, m.topN(new float[] {1, 1}, null, 2).ids());
  }

  static scala.collection.Seq<Float> seq(Float... values) {
    return scala.collection.JavaConverters.asScalaBuffer(List.of(values)).toList();
  }
}
