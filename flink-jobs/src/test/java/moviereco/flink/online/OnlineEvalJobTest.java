package moviereco.flink.online;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Rating;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class OnlineEvalJobTest {
  static final long T = 1_764_000_000_000L;

  /** What each user is served: a scripted stand-in for Cassandra. */
  static final class Scripted implements ServedReader {
    static final Map<Long, Served> SERVED =
        Map.of(
            1L, new Served(Served.SPEED, "v1", new long[] {10, 20, 30}, T - 5_000),
            2L, new Served(Served.BATCH, "v1", new long[] {40, 50}, T - 60_000),
            3L, new Served(Served.POPULAR, "v1", new long[] {60}, 0),
            // a row computed after the rating arrived: not what the user saw
            4L, new Served(Served.SPEED, "v1", new long[] {10}, T + 1));

    @Override
    public void open() {}

    @Override
    public CompletionStage<Served> read(long userId) {
      return CompletableFuture.completedFuture(SERVED.get(userId));
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
  void aRatingOfAServedMovieIsAHitAtItsRank() {
    Served served = Scripted.SERVED.get(1L);
    OnlineHit hit = JudgeRatings.judge(rating(1, 20, 4f), served, 10);
    assertEquals(2, hit.rank);
    assertTrue(hit.hit());
    assertEquals("speed|v1", hit.key());
    assertEquals(0, JudgeRatings.judge(rating(1, 99, 4f), served, 10).rank);
    assertEquals(0, JudgeRatings.judge(rating(1, 30, 4f), served, 2).rank, "only the top k count");
    assertNull(JudgeRatings.judge(rating(4, 10, 4f), Scripted.SERVED.get(4L), 10));
  }

  @Test
  void thePipelineCountsPlantedHitsPerSourceAndModelInEveryWindow() throws Exception {
    ROWS.clear();
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
            rating(4, 10, 5f)), // served after it arrived: skipped
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
            "speed v1", Set.of("2/1"),
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
        List.of("ratings-source", "decode", "judge", "event-time", "tally", "online-hits"))
      assertTrue(uids.contains(uid), uid + " in " + uids);
  }

  @Test
  void thePopularListRanksAsTheApiCatalogueDoes() {
    long[][] rows = {
      {5, 10, Float.floatToIntBits(3.5f)},
      {3, 12, Float.floatToIntBits(3.0f)},
      {7, 10, Float.floatToIntBits(4.0f)},
      {2, 10, Float.floatToIntBits(4.0f)},
    };
    assertArrayEquals(new long[] {3, 2, 7}, CassandraServedReader.top(List.of(rows), 3));
  }
}
