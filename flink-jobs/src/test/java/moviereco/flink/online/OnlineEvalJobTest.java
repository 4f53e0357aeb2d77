package moviereco.flink.online;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Rating;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class OnlineEvalJobTest {
  static final long T = 1_764_000_000_000L;

  static final Served BEFORE = new Served(Served.SPEED, "v1", new long[] {70, 80}, T - 1_000);
  static final Served AFTER = new Served(Served.SPEED, "v1", new long[] {90}, T + 50);

  /**
   * What each user is served, look-up after look-up: a scripted stand-in for Cassandra (the last
   * answer repeats).
   */
  static final class Scripted implements ServedReader {
    static final Map<Long, List<Served>> SERVED =
        Map.of(
            1L, List.of(new Served(Served.SPEED, "v1", new long[] {10, 20, 30}, T - 5_000)),
            2L, List.of(new Served(Served.BATCH, "v1", new long[] {40, 50}, T - 60_000)),
            3L, List.of(new Served(Served.POPULAR, "v1", new long[] {60}, 0)),
            // only a row computed after the rating arrived: not what the user saw
            4L, List.of(new Served(Served.SPEED, "v1", new long[] {10}, T + 1)),
            // a burst: the speed layer replaced the row after the first rating
            5L, List.of(BEFORE, AFTER));
    static final Map<Long, AtomicInteger> CALLS = new ConcurrentHashMap<>();

    @Override
    public void open() {}

    @Override
    public CompletionStage<Served> read(long userId) {
      List<Served> answers = SERVED.get(userId);
      int call = CALLS.computeIfAbsent(userId, u -> new AtomicInteger()).getAndIncrement();
      return CompletableFuture.completedFuture(answers.get(Math.min(call, answers.size() - 1)));
    }

    @Override
    public void close() {}
  }

  static final ConcurrentLinkedQueue<OnlineRate> ROWS = new ConcurrentLinkedQueue<>();

  static final class Collecting implements Sink<OnlineRate> {
    @Override
    @SuppressWarnings("deprecation")
    public SinkWriter<OnlineRate> createWriter(InitContext context) {
      return new SinkWriter<>() {
        @Override
        public void write(OnlineRate row, Context ctx) {
          ROWS.add(row);
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }

  static Rating rating(long user, long movie, float value) {
    return new Rating(user + ":" + movie, user, movie, value, T + movie, T);
  }

  @Test
  void aRatingIsJudgedAgainstTheNewestRowServedBeforeItArrived() {
    ServedMemory m = new ServedMemory();
    m.remember(Scripted.SERVED.get(1L).get(0));
    OnlineHit hit = JudgeRatings.judge(new Looked(rating(1, 20, 4f), null), m, 10);
    assertEquals(2, hit.rank);
    assertTrue(hit.hit());
    assertEquals("speed|v1", hit.key());
    assertEquals(0, JudgeRatings.judge(new Looked(rating(1, 99, 4f), null), m, 10).rank);
    assertEquals(0, JudgeRatings.judge(new Looked(rating(1, 30, 4f), null), m, 2).rank);

    // a look-up after the speed layer replaced the row: the row before is what the user saw
    ServedMemory burst = new ServedMemory();
    burst.remember(BEFORE);
    burst.remember(AFTER);
    burst.remember(AFTER);
    assertEquals(2, burst.rows.size());
    assertEquals(1, JudgeRatings.judge(new Looked(rating(5, 70, 4f), null), burst, 10).rank);
    assertEquals(AFTER, burst.before(T + 51));

    ServedMemory after = new ServedMemory();
    after.remember(Scripted.SERVED.get(4L).get(0));
    assertNull(JudgeRatings.judge(new Looked(rating(4, 10, 4f), null), after, 10));
  }

  @Test
  void theMemoryKeepsTheNewestRowsInOrder() {
    ServedMemory m = new ServedMemory();
    for (long at : new long[] {50, 10, 40, 20, 30, 60})
      m.remember(new Served(Served.SPEED, "v1", new long[0], at));
    assertEquals(List.of(30L, 40L, 50L, 60L), m.rows.stream().map(r -> r.computedAt).toList());
    assertEquals(40L, m.before(50).computedAt);
    assertNull(m.before(30));
  }

  @Test
  void watermarksFollowTheEventsThenTheClockOnceIdle() {
    long[] now = {1_000_000};
    List<Long> marks = new ArrayList<>();
    WatermarkOutput out =
        new WatermarkOutput() {
          @Override
          public void emitWatermark(Watermark w) {
            marks.add(w.getTimestamp());
          }

          @Override
          public void markIdle() {}

          @Override
          public void markActive() {}
        };
    ClockWatermarks<String> g = new ClockWatermarks<>(60_000, 30_000, () -> now[0]);
    g.onPeriodicEmit(out);
    assertTrue(marks.isEmpty(), "no event and not idle long enough yet: nothing");
    g.onEvent("a", 990_000, out);
    g.onPeriodicEmit(out);
    assertEquals(List.of(990_000L - 60_000 - 1), marks);
    now[0] += 29_999;
    g.onPeriodicEmit(out);
    assertEquals(1, marks.size(), "not idle yet: the events' watermark stays");
    now[0] += 1;
    g.onPeriodicEmit(out);
    assertEquals(now[0] - 60_000 - 1, marks.get(1), "idle: the clock's");
    g.onEvent("old", 900_000, out);
    g.onPeriodicEmit(out);
    assertEquals(2, marks.size(), "never backwards");
  }

  @Test
  void thePipelineCountsPlantedHitsPerSourceAndModelInEveryWindow() throws Exception {
    ROWS.clear();
    Scripted.CALLS.clear();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    OnlineEvalJob.Settings settings = new OnlineEvalJob.Settings(10, 60, 5, 60, 30, 10_000, 8);
    OnlineEvalJob.pipeline(
        env.fromData(
            rating(1, 20, 5f), // speed: a hit at rank 2
            rating(1, 99, 3f), // speed: a miss
            rating(1, 20, 0f), // a deletion: not judged
            rating(2, 50, 4f), // batch: a hit
            rating(3, 61, 2f), // popular: a miss
            rating(4, 10, 5f), // served only after it arrived: skipped
            rating(5, 70, 4f), // a burst: a hit in the row before ...
            rating(5, 90, 4f)), // ... and a miss there, though the look-up found a row holding it
        new Scripted(),
        new Collecting(),
        settings);
    env.execute("online-eval-test");

    // every rating falls in 60 / 5 = 12 sliding windows; each window has one row per source
    Map<String, Set<String>> tallies = new TreeMap<>();
    Set<Long> windowEnds = new TreeSet<>();
    for (OnlineRate r : ROWS) {
      assertEquals("60m/5m", r.window);
      windowEnds.add(r.windowEnd);
      tallies
          .computeIfAbsent(r.source + " " + r.modelVersion, x -> new TreeSet<>())
          .add(r.ratings + "/" + r.hits);
    }
    assertEquals(
        Map.of(
            "speed v1", Set.of("4/2"),
            "batch v1", Set.of("1/1"),
            "popular v1", Set.of("1/0")),
        tallies);
    assertEquals(12, windowEnds.size());
    assertEquals(36, ROWS.size());
  }

  @Test
  void everyOperatorKeepsItsUid() {
    ParameterTool params =
        ParameterTool.fromArgs(
            new String[] {
              "--cassandra.request.timeout.ms", "10000",
              "--cassandra.deadline.ms", "30000",
              "--max.future.skew.ms", "300000"
            });
    StreamExecutionEnvironment env = JobSetup.streaming(params);
    OnlineEvalJob.define(env, params);
    Set<String> uids = new TreeSet<>();
    for (StreamNode node : env.getStreamGraph().getStreamNodes())
      uids.add(String.valueOf(node.getTransformationUID()));
    for (String uid :
        List.of(
            "ratings-source", "decode", "look-up", "judge", "event-time", "tally", "online-hits"))
      assertTrue(uids.contains(uid), uid + " in " + uids);
  }
}
