package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class MasterDataTest {
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void theCutoffIsTheNewestRatingWhenItIsInThePast() {
    assertEquals(NOW - 60_000, MasterData.dataCutoff(0, NOW - 60_000, NOW));
  }

  @Test
  void aRatingDatedAheadOfTheClockDoesNotPushTheCutoffIntoTheFuture() {
    // accepted (within the skew), trained on, but the cutoff stays at the run's start
    assertEquals(NOW, MasterData.dataCutoff(0, NOW + 240_000, NOW));
  }

  @Test
  void anExplicitCutoffWins() {
    assertEquals(NOW - 3_600_000, MasterData.dataCutoff(NOW - 3_600_000, NOW + 240_000, NOW));
  }
}
