package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SizingTest {
  static final long ML_LATEST_SMALL_BYTES = 2_483_723;
  static final long GENERATED_32M_BYTES = 882_000_000;

  @Test
  void onTwoCoresTheMeasuredSettingsStay() {
    // local[2]: 8 shuffle partitions and 4 ALS blocks, as hard-coded before, for small data
    assertEquals(8, Sizing.shufflePartitions(0, 2, ML_LATEST_SMALL_BYTES));
    assertEquals(4, Sizing.alsBlocks(0, 2, 100_836));
    // and for 32M ratings: more shuffle partitions (64 MB of input each), the same ALS blocks
    assertEquals(14, Sizing.shufflePartitions(0, 2, GENERATED_32M_BYTES));
    assertEquals(4, Sizing.alsBlocks(0, 2, 32_000_204));
  }

  @Test
  void aClusterGetsWorkForEveryCore() {
    assertEquals(128, Sizing.shufflePartitions(0, 32, GENERATED_32M_BYTES));
    assertEquals(64, Sizing.alsBlocks(0, 32, 32_000_204));
    // but small data is not cut into blocks of a few ratings
    assertEquals(5, Sizing.alsBlocks(0, 32, 100_836));
    assertEquals(1, Sizing.alsBlocks(0, 32, 60));
  }

  @Test
  void aFlagWins() {
    assertEquals(3, Sizing.shufflePartitions(3, 32, GENERATED_32M_BYTES));
    assertEquals(7, Sizing.alsBlocks(7, 2, 60));
  }
}
