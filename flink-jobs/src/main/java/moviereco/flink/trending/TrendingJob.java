package moviereco.flink.trending;

import java.time.Duration;
import java.time.Instant;
import moviereco.flink.cassandra.CassandraOptions;
import moviereco.flink.cassandra.CassandraSink;
import moviereco.flink.cassandra.ScoredMovies;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Kafka;
import moviereco.flink.common.Rating;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Trending movies: ratings counted per movie in event-time sliding windows (watermarks with
 * bounded out-of-orderness on ratedAt; idle partitions do not hold the watermark back), the top N
 * of each window written to Cassandra {@code trending} with a TTL.
 *
 * <p>Flags (defaults): {@code --job.name} trending, {@code --ratings.topic} ratings,
 * {@code --window.size.minutes} 1440, {@code --window.slide.minutes} 60,
 * {@code --out.of.orderness.seconds} 60, {@code --idleness.seconds} 30, {@code --top.n} 100,
 * {@code --ttl.days} 7, and those of {@link Kafka}, {@link JobSetup}, {@link CassandraOptions}.
 */
public final class TrendingJob {
  private TrendingJob() {}

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    String name = params.get("job.name", "trending");
    long size = params.getLong("window.size.minutes", 1440);
    long slide = params.getLong("window.slide.minutes", 60);
    String window = size + "m/" + slide + "m";
    int ttlSeconds = (int) Duration.ofDays(params.getLong("ttl.days", 7)).toSeconds();
    StreamExecutionEnvironment env = JobSetup.streaming(params);

    WatermarkStrategy<Rating> watermarks = WatermarkStrategy
        .<Rating>forBoundedOutOfOrderness(Duration.ofSeconds(params.getLong("out.of.orderness.seconds", 60)))
        .withTimestampAssigner((r, previous) -> r.ratedAt)
        .withIdleness(Duration.ofSeconds(params.getLong("idleness.seconds", 30)));

    SingleOutputStreamOperator<Rating> ratings = Kafka.ratings(env, params, name)
        .assignTimestampsAndWatermarks(watermarks).name("event-time").uid("event-time");

    ratings
        .keyBy(r -> r.movieId)
        .window(SlidingEventTimeWindows.of(Duration.ofMinutes(size), Duration.ofMinutes(slide)))
        .aggregate(new Count(), new WithWindowEnd()).name("count-per-movie").uid("count-per-movie")
        .keyBy(c -> c.windowEnd)
        .process(new TopMovies(window, params.getInt("top.n", 100))).name("top-movies").uid("top-movies")
        .sinkTo(new CassandraSink<TrendingRow>(CassandraOptions.from(params),
            "INSERT INTO trending (window_name, window_end, items) VALUES (?, ?, ?) USING TTL " + ttlSeconds,
            (statement, row) -> statement.bind(row.window, Instant.ofEpochMilli(row.windowEnd), ScoredMovies.items(statement, row.movieIds, scores(row.counts))),
            params.getInt("max.in.flight", 16)))
        .name("trending-view").uid("trending-view");
    env.execute(name);
  }

  static float[] scores(long[] counts) {
    float[] out = new float[counts.length];
    for (int i = 0; i < counts.length; i++) out[i] = counts[i];
    return out;
  }

  static final class Count implements AggregateFunction<Rating, Long, Long> {
    @Override public Long createAccumulator() { return 0L; }
    @Override public Long add(Rating r, Long acc) { return acc + 1; }
    @Override public Long getResult(Long acc) { return acc; }
    @Override public Long merge(Long a, Long b) { return a + b; }
  }

  static final class WithWindowEnd extends ProcessWindowFunction<Long, MovieCount, Long, TimeWindow> {
    @Override
    public void process(Long movieId, Context ctx, Iterable<Long> counts, Collector<MovieCount> out) {
      out.collect(new MovieCount(movieId, ctx.window().getEnd(), counts.iterator().next()));
    }
  }
}
