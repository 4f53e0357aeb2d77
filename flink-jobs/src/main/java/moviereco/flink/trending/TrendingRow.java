package moviereco.flink.trending;

/** A row of the trending table: the most-rated movies of one window, most first. */
public class TrendingRow {
  public String window;
  public long windowEnd;
  public long[] movieIds;
  public long[] counts;

  public TrendingRow() {}

  public TrendingRow(String window, long windowEnd, long[] movieIds, long[] counts) {
    this.window = window;
    this.windowEnd = windowEnd;
    this.movieIds = movieIds;
    this.counts = counts;
  }
}
