package moviereco.flink.trending;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopMoviesTest {
  @Test
  void mostCountedFirstTiesByMovieLimitedToN() {
    List<MovieCount> counts =
        new ArrayList<>(
            List.of(
                new MovieCount(5, 100, 2),
                new MovieCount(3, 100, 7),
                new MovieCount(9, 100, 2),
                new MovieCount(1, 100, 1)));
    TrendingRow row = TopMovies.top("60m/5m", 100, counts, 3);
    assertEquals("60m/5m", row.window);
    assertArrayEquals(new long[] {3, 5, 9}, row.movieIds);
    assertArrayEquals(new long[] {7, 2, 2}, row.counts);
  }
}
