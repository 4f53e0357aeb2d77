package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UserHistoryTest {
  @Test
  void keepsTheLatestRatingPerMovieSortedByMovie() {
    UserHistory h = new UserHistory();
    assertTrue(h.apply(30, 4f, 100));
    assertTrue(h.apply(10, 3f, 100));
    assertTrue(h.apply(20, 5f, 100));
    assertArrayEquals(new long[] {10, 20, 30}, h.movies);
    assertFalse(h.apply(20, 5f, 100), "the same rating again changes nothing (a replay)");
    assertFalse(h.apply(20, 1f, 50), "an older rating loses");
    assertTrue(h.apply(20, 2f, 200), "a newer rating wins");
    assertArrayEquals(new float[] {3f, 2f, 4f}, h.ratings);
    assertArrayEquals(new long[] {100, 200, 100}, h.ratedAt);
  }

  @Test
  void seedsFromUnsortedRowsThenMergesLaterOnes() {
    UserHistory h = new UserHistory();
    h.seed(new long[] {30, 10, 20}, new float[] {3f, 1f, 2f}, new long[] {3, 1, 2});
    assertArrayEquals(new long[] {10, 20, 30}, h.movies);
    assertArrayEquals(new float[] {1f, 2f, 3f}, h.ratings);
    h.seed(new long[] {20, 40}, new float[] {5f, 4f}, new long[] {9, 9});
    assertArrayEquals(new long[] {10, 20, 30, 40}, h.movies);
    assertArrayEquals(new float[] {1f, 5f, 3f, 4f}, h.ratings);
  }

  @Test
  void aDeletionLeavesATombstoneThatOlderRatingsCannotUndo() {
    UserHistory h = new UserHistory();
    assertTrue(h.apply(10, 4f, 100));
    assertFalse(h.apply(10, 0f, 50), "a deletion older than the rating loses");
    assertTrue(h.apply(10, 0f, 200), "a newer deletion wins");
    assertTrue(h.deleted(0));
    assertFalse(h.apply(10, 4f, 100), "the old rating replayed stays deleted");
    assertFalse(h.apply(10, 3f, 200), "of the same time, the deletion wins");
    assertFalse(h.apply(10, 0f, 200), "the same deletion again changes nothing");
    assertTrue(h.apply(10, 5f, 300), "a later rating brings the movie back");
    assertFalse(h.deleted(0));
    assertTrue(
        h.apply(20, 0f, 400), "a deletion of a movie never seen is kept, against older ratings");
    assertFalse(h.apply(20, 4f, 100));
    assertArrayEquals(new long[] {10, 20}, h.movies);
    assertArrayEquals(new float[] {5f, 0f}, h.ratings);
  }
}
