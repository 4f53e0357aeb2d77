package moviereco.flink.online;

/** A row of online_hits: one window's ratings and hits of one source and model version. */
public class OnlineRate {
  public String window;
  public long windowEnd;
  public String source;
  public String modelVersion;
  public long ratings;
  public long hits;

  public OnlineRate() {}

  public OnlineRate(
      String window, long windowEnd, String source, String modelVersion, long ratings, long hits) {
    this.window = window;
    this.windowEnd = windowEnd;
    this.source = source;
    this.modelVersion = modelVersion;
    this.ratings = ratings;
    this.hits = hits;
  }
}
