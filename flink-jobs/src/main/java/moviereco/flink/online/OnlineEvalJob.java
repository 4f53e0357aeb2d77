package moviereco.flink.online;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import moviereco.contracts.Cql;
import moviereco.flink.cassandra.CassandraOptions;
import moviereco.flink.cassandra.CassandraSink;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Kafka;
import moviereco.flink.common.Rating;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;

/**
 * Online evaluation: each rating joined with what its user was being served (looked up in
 * Cassandra, {@link LookUpServed}, then picked and judged per user, {@link JudgeRatings}: source,
 * model version, the rated movie's rank in the top k), then hit rate@k per source and model version
 * over event-time sliding windows ({@link ClockWatermarks}), written to Cassandra {@code
 * online_hits} with a TTL. The API shows the newest window in {@code /metrics}, {@code
 * /online-metrics}, its status and the web page.
 *
 * <p>Flags (defaults): {@code --job.name} online-eval, {@code --model.name} als, {@code --k} 10,
 * {@code --window.size.minutes} 60, {@code --window.slide.minutes} 5, {@code
 * --out.of.orderness.seconds} 60, {@code --idleness.seconds} 30, {@code --ttl.days} 7, {@code
 * --model.refresh.ms} 5000, {@code --lookups.in.flight} 64, and those of {@link Kafka}, {@link
 * JobSetup}, {@link CassandraOptions}. The pipeline ({@link #pipeline}) takes its ratings, the
 * reader of what is served and its sink as arguments; {@code main} wires Kafka and Cassandra.
 */
public final class OnlineEvalJob {
  private OnlineEvalJob() {}

  /** The pipeline's knobs. */
  public record Settings(
      int k,
      long windowSizeMinutes,
      long windowSlideMinutes,
      long outOfOrdernessSeconds,
      long idlenessSeconds,
      long lookupTimeoutMs,
      int lookupsInFlight)
      implements Serializable {
    public static Settings from(ParameterTool params, CassandraOptions cassandra) {
      return new Settings(
          params.getInt("k", 10),
          params.getLong("window.size.minutes", 60),
          params.getLong("window.slide.minutes", 5),
          params.getLong("out.of.orderness.seconds", 60),
          params.getLong("idleness.seconds", 30),
          cassandra.deadlineMs(),
          params.getInt("lookups.in.flight", 64));
    }

    /** The window's name in the rows, e.g. {@code 60m/5m}. */
    public String window() {
      return JobSetup.windowName(windowSizeMinutes, windowSlideMinutes);
    }
  }

  public static void main(String[] args) throws Exception {
    JobSetup.run(args, "online-eval", OnlineEvalJob::define);
  }

  /** The job as it runs: Kafka in, Cassandra read for what is served, {@code online_hits} out. */
  static void define(StreamExecutionEnvironment env, ParameterTool params) {
    String name = params.get("job.name", "online-eval");
    CassandraOptions cassandra = CassandraOptions.from(params);
    Settings settings = Settings.from(params, cassandra);
    int ttlSeconds = (int) Duration.ofDays(params.getLong("ttl.days", 7)).toSeconds();
    CassandraSink<OnlineRate> sink =
        new CassandraSink<OnlineRate>(
            cassandra,
            Cql.insertOnlineHits(ttlSeconds),
            (statement, row) ->
                statement.bind(
                    row.window,
                    Instant.ofEpochMilli(row.windowEnd),
                    row.source,
                    row.modelVersion,
                    row.ratings,
                    row.hits),
            params.getInt("max.in.flight", 16));
    ServedReader served =
        new CassandraServedReader(
            cassandra,
            params.get("model.name", "als"),
            settings.k(),
            params.getLong("model.refresh.ms", 5_000));
    pipeline(Kafka.ratings(env, params, name), served, sink, settings);
  }

  /**
   * Valid ratings → what their users were served (uid look-up, async, in order) → keyed by user,
   * judged against the row served before each (uid judge) → event time (uid event-time) → ratings
   * and hits per source and model version and window (uid tally) → the sink (uid online-hits).
   */
  public static void pipeline(
      DataStream<Rating> ratings, ServedReader served, Sink<OnlineRate> sink, Settings settings) {
    long outOfOrdernessMs = settings.outOfOrdernessSeconds() * 1000;
    long idleMs = settings.idlenessSeconds() * 1000;
    WatermarkStrategy<OnlineHit> watermarks =
        WatermarkStrategy.<OnlineHit>forGenerator(
                ctx -> new ClockWatermarks<>(outOfOrdernessMs, idleMs, System::currentTimeMillis))
            .withTimestampAssigner((h, previous) -> h.ratedAt);
    String window = settings.window();
    // ordered: a user's ratings stay in their order (one Kafka partition per user) for the judge
    AsyncDataStream.orderedWait(
            ratings,
            new LookUpServed(served),
            settings.lookupTimeoutMs(),
            TimeUnit.MILLISECONDS,
            settings.lookupsInFlight())
        .name("look-up")
        .uid("look-up")
        .keyBy(l -> l.rating.userId)
        .process(new JudgeRatings(settings.k()))
        .name("judge")
        .uid("judge")
        .assignTimestampsAndWatermarks(watermarks)
        .name("event-time")
        .uid("event-time")
        .keyBy(OnlineHit::key)
        .window(
            SlidingEventTimeWindows.of(
                Duration.ofMinutes(settings.windowSizeMinutes()),
                Duration.ofMinutes(settings.windowSlideMinutes())))
        .aggregate(new Tally(), new AsRow(window))
        .name("tally")
        .uid("tally")
        .sinkTo(sink)
        .name("online-hits")
        .uid("online-hits");
  }

  /** Ratings and hits: {ratings, hits}. */
  static final class Tally implements AggregateFunction<OnlineHit, long[], long[]> {
    @Override
    public long[] createAccumulator() {
      return new long[2];
    }

    @Override
    public long[] add(OnlineHit h, long[] acc) {
      acc[0]++;
      if (h.hit()) acc[1]++;
      return acc;
    }

    @Override
    public long[] getResult(long[] acc) {
      return acc;
    }

    @Override
    public long[] merge(long[] a, long[] b) {
      return new long[] {a[0] + b[0], a[1] + b[1]};
    }
  }

  static final class AsRow extends ProcessWindowFunction<long[], OnlineRate, String, TimeWindow> {
    private final String window;

    AsRow(String window) {
      this.window = window;
    }

    @Override
    public void process(
        String key, Context ctx, Iterable<long[]> tallies, Collector<OnlineRate> out) {
      long[] t = tallies.iterator().next();
      int bar = key.indexOf('|');
      out.collect(
          new OnlineRate(
              window,
              ctx.window().getEnd(),
              key.substring(0, bar),
              key.substring(bar + 1),
              t[0],
              t[1]));
    }
  }
}
