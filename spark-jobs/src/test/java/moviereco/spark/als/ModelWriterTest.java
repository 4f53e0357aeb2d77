package moviereco.spark.als;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import moviereco.contracts.Cql;
import org.apache.spark.sql.Column;
import org.junit.jupiter.api.Test;

/**
 * The write timestamp of the batch job's user_ratings rows, evaluated by Spark's own expression
 * code (no SparkSession): the rating's time in microseconds, the same the speed layer writes.
 */
class ModelWriterTest {
  static Object evaluate(Column column) {
    return column.expr().eval(null);
  }

  @Test
  void aRatingsWriteTimeIsItsRatedAtInMicrosecondsAsTheSpeedLayerWritesIt() {
    for (long ratedAt : new long[] {0L, 964_982_703_000L, 1_537_799_250_000L, 1_700_000_000_123L})
      assertEquals(
          Cql.userRatingWriteTime(ratedAt),
          evaluate(ModelWriter.writeTimeMicros(lit(ratedAt))),
          "rated at " + ratedAt);
    // an int column of milliseconds would overflow when multiplied: the derivation widens it first
    assertEquals(2_000_000_000_000L, evaluate(ModelWriter.writeTimeMicros(lit(2_000_000_000))));
  }

  @Test
  void theWriteTimeColumnIsNamedForTheConnectorAndIsNotATableColumn() {
    assertEquals("writetime", SparkRows.WRITETIME_OPTION);
    assertEquals(false, Cql.USER_RATINGS.columns().contains(ModelWriter.WRITE_TIME));
  }
}
