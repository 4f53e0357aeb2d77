package moviereco.flink.trending;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import moviereco.contracts.Cql;
import moviereco.contracts.ScoredMovies;
import moviereco.flink.cassandra.CassandraOptions;
import moviereco.flink.cassandra.CassandraSink;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Kafka;
import moviereco.flink.common.Rating;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Trending movies: ratings counted per movie in event-time sliding windows (watermarks with bounded
 * out-of-orderness on ratedAt; idle partitions do not hold the watermark back), the top N of each
 * window written to Cassandra {@code trending} with a TTL.
 *
 * <p>Flags (defaults): {@code --job.name} trending, {@code --ratings.topic} ratings, {@code
 * --window.size.minutes} 1440, {@code --window.slide.minutes} 60, {@code
 * --out.of.orderness.seconds} 60, {@code --idleness.seconds} 30, {@code --top.n} 100, {@code
 * --ttl.days} 7, {@code --max.in.flight} 16, and those of {@link Kafka}, {@link JobSetup}, {@link
 * CassandraOptions} (whose timeouts are required). The pipeline ({@link #pipeline}) takes its
 * ratings and its sink as arguments; {@code main} wires Kafka and Cassandra.
 */
public final class TrendingJob {
  private TrendingJob() {}

  /** The pipeline's knobs. */
  public record Settings(
      long windowSizeMinutes,
      long windowSlideMinutes,
      long outOfOrdernessSeconds,
      long idlenessSeconds,
      int topN)
      implements Serializable {
    public static Settings from(ParameterTool params) {
      return new Settings(
          params.getLong("window.size.minutes", 1440),
          params.getLong("window.slide.minutes", 60),
          params.getLong("out.of.orderness.seconds", 60),
          params.getLong("idleness.seconds", 30),
          params.getInt("top.n", 100));
    }

    /** The window's name in the rows, e.g. {@code 1440m/60m}. */
    public String window() {
      return JobSetup.windowName(windowSizeMinutes, windowSlideMinutes);
    }
  }

  public static void main(String[] args) throws Exception {
    JobSetup.run(args, "trending", TrendingJob::define);
  }

  /** The job as it runs: Kafka in, Cassandra {@code trending} out. */
  static void define(StreamExecutionEnvironment env, ParameterTool params) {
    String name = params.get("job.name", "trending");
    int ttlSeconds = (int) Duration.ofDays(params.getLong("ttl.days", 7)).toSeconds();
    CassandraSink<TrendingRow> sink =
        new CassandraSink<TrendingRow>(
            CassandraOptions.from(params),
            Cql.insertTrending(ttlSeconds),
            (statement, row) ->
                ScoredMovies.bind(
                    statement.bind(row.window, Instant.ofEpochMilli(row.windowEnd)),
                    "items",
                    row.movieIds,
                    scores(row.counts)),
            params.getInt("max.in.flight", 16));
    pipeline(Kafka.ratings(env, params, name), sink, Settings.from(params));
  }

  /**
   * Valid ratings → ratings only, deletions dropped (uid ratings-only) → event time (uid
   * event-time) → counts per movie and window (uid count-per-movie) → the top N of each window (uid
   * top-movies) → the sink (uid trending-view).
   */
  public static void pipeline(
      DataStream<Rating> ratings, Sink<TrendingRow> sink, Settings settings) {
    WatermarkStrategy<Rating> watermarks =
        WatermarkStrategy.<Rating>forBoundedOutOfOrderness(
                Duration.ofSeconds(settings.outOfOrdernessSeconds()))
            .withTimestampAssigner((r, previous) -> r.ratedAt)
            .withIdleness(Duration.ofSeconds(settings.idlenessSeconds()));

    ratings
        .filter(r -> !r.deleted())
        .name("ratings-only")
        .uid("ratings-only")
        .assignTimestampsAndWatermarks(watermarks)
        .name("event-time")
        .uid("event-time")
        .keyBy(r -> r.movieId)
        .window(
            SlidingEventTimeWindows.of(
                Duration.ofMinutes(settings.windowSizeMinutes()),
                Duration.ofMinutes(settings.windowSlideMinutes())))
        .aggregate(new Count(), new WithWindowEnd())
        .name("count-per-movie")
        .uid("count-per-movie")
        .keyBy(c -> c.windowEnd)
        .process(new TopMovies(settings.window(), settings.topN()))
        .name("top-movies")
        .uid("top-movies")
        .sinkTo(sink)
        .name("trending-view")
        .uid("trending-view");
  }

  static float[] scores(long[] counts) {
    float[] out = new float[counts.length];
    for (int i = 0; i < counts.length; i++) out[i] = counts[i];
    return out;
  }

  static final class Count implements AggregateFunction<Rating, Long, Long> {
    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Rating r, Long acc) {
      return acc + 1;
    }

    @Override
    public Long getResult(Long acc) {
      return acc;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  static final class WithWindowEnd
      extends ProcessWindowFunction<Long, MovieCount, Long, TimeWindow> {
    @Override
    public void process(
        Long movieId, Context ctx, Iterable<Long> counts, Collector<MovieCount> out) {
      out.collect(new MovieCount(movieId, ctx.window().getEnd(), counts.iterator().next()));
    }
  }
}
