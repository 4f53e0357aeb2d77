package moviereco.flink.trending;

/** How many ratings a movie got in the window ending at {@code windowEnd}. */
public class MovieCount {
  public long movieId;
  public long windowEnd;
  public long count;

  public MovieCount() {}

  public MovieCount(long movieId, long windowEnd, long count) {
    this.movieId = movieId;
    this.windowEnd = windowEnd;
    this.count = count;
  }
}
