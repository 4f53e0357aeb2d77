package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import moviereco.contracts.ModelFiles;
import moviereco.flink.common.Rating;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The speed recommender's state, timers and model broadcast, with Flink's operator test harness:
 * processing time and state TTL time are set by the test, the history reader is scripted.
 */
class SpeedRecommenderHarnessTest {
  static final long COALESCE_MS = 50;
  static final long START = 1_000;

  @TempDir Path dir;
  ScriptedReader reader;
  KeyedBroadcastOperatorTestHarness<Long, Rating, ModelSwitch, UserWrites> harness;

  /** History reads answered by the test: each user's future, and how often each user was read. */
  static final class ScriptedReader implements HistoryReader {
    /**
     * what read(user) returns: a future the test completes, or completed at once with no history
     */
    final transient Map<Long, CompletableFuture<Stored>> answers = new ConcurrentHashMap<>();

    final transient Map<Long, AtomicInteger> calls = new ConcurrentHashMap<>();
    boolean opened;
    boolean closed;

    @Override
    public void open() {
      opened = true;
    }

    @Override
    public CompletionStage<Stored> read(long userId) {
      calls.computeIfAbsent(userId, u -> new AtomicInteger()).incrementAndGet();
      return answers.getOrDefault(userId, CompletableFuture.completedFuture(Stored.NONE));
    }

    @Override
    public void close() {
      closed = true;
    }

    int calls(long user) {
      AtomicInteger n = calls.get(user);
      return n == null ? 0 : n.get();
    }

    CompletableFuture<Stored> pending(long user) {
      return answers.computeIfAbsent(user, u -> new CompletableFuture<>());
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    reader = new ScriptedReader();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (harness != null) harness.close();
  }

  KeyedBroadcastOperatorTestHarness<Long, Rating, ModelSwitch, UserWrites> open(
      SpeedRecommender function) throws Exception {
    harness =
        ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
            function, r -> r.userId, Types.LONG, SpeedRecommender.BROADCAST_STATES);
    harness.setProcessingTime(START);
    harness.setStateTtlProcessingTime(START);
    return harness;
  }

  KeyedBroadcastOperatorTestHarness<Long, Rating, ModelSwitch, UserWrites> open() throws Exception {
    return open(recommender(reader, 60_000, 64, 24));
  }

  static SpeedRecommender recommender(
      HistoryReader reader, long deadlineMs, int maxSeeds, long ttlHours) {
    return new SpeedRecommender(reader, COALESCE_MS, 3, ttlHours, deadlineMs, maxSeeds);
  }

  /** when the next {@link #model(String, long)} was switched to: each one later than the last */
  long switchedAt = 100_000;

  /** A switch to a model announced after every earlier one. */
  ModelSwitch model(String version, long dataCutoff) throws IOException {
    return model(version, dataCutoff, ++switchedAt, "model-updates");
  }

  ModelSwitch model(String version, long dataCutoff, long at, String origin) throws IOException {
    return new ModelSwitch(ref(version, dataCutoff), at, origin);
  }

  /** An implicit model of rank 2 over movies 10..60, written as the batch layer writes one. */
  ModelRef ref(String version, long dataCutoff) throws IOException {
    long[] ids = new long[6];
    float[] bias = new float[6];
    float[][] factors = new float[6][];
    for (int i = 0; i < 6; i++) {
      ids[i] = 10L * (i + 1);
      factors[i] = new float[] {0.1f * (i + 1), 0.3f - 0.05f * (i + 1)};
    }
    ModelFiles.Metadata meta =
        new ModelFiles.Metadata(
            "als",
            version,
            dataCutoff,
            0,
            false,
            true,
            1.0,
            0.1,
            0,
            2,
            Map.of(),
            Map.of(),
            Map.of());
    return new ModelRef(
        "als",
        version,
        ModelLoaderTest.write(dir.resolve(version), meta, ids, bias, factors),
        dataCutoff);
  }

  static Rating rating(long user, long movie, float value, long ratedAt) {
    return new Rating(user + ":" + movie + ":" + ratedAt, user, movie, value, ratedAt, ratedAt);
  }

  List<UserWrites> writes() {
    return harness.extractOutputValues();
  }

  /** the speed rows written, in order */
  List<SpeedRow> rows() {
    return writes().stream().map(w -> w.speed).filter(r -> r != null).collect(Collectors.toList());
  }

  /** the user_ratings rows written, in order */
  List<UserRatingRow> userRatings() {
    return writes().stream()
        .flatMap(w -> java.util.Arrays.stream(w.ratings))
        .collect(Collectors.toList());
  }

  static boolean contains(long[] ids, long id) {
    for (long x : ids) if (x == id) return true;
    return false;
  }

  @Test
  void aRatingBeforeAnyModelOnlyUpdatesTheHistoryUntilAModelArrives() throws Exception {
    open();
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals(1, userRatings().size(), "the rating is stored");
    assertTrue(rows().isEmpty(), "no model yet: no speed row");
    assertTrue(reader.opened);

    // a model older than the rating: the user is recomputed with it at once
    harness.processBroadcastElement(model("v1", 2_000), START + 60);
    assertEquals(1, rows().size());
    SpeedRow row = rows().get(0);
    assertEquals(1L, row.userId);
    assertEquals("v1", row.modelVersion);
    assertEquals(3, row.movieIds.length);
    assertFalse(contains(row.movieIds, 10), "a rated movie is not recommended");

    // the same announcement again changes nothing; a model that has seen the rating does not
    // recompute
    harness.processBroadcastElement(model("v1", 2_000), START + 70);
    harness.processBroadcastElement(model("v2", 6_000), START + 80);
    assertEquals(1, rows().size());
  }

  @Test
  void aModelThenRatingsInsideTheCoalescingWindowGiveOneRowWithThatModelsVersion()
      throws Exception {
    open();
    harness.processBroadcastElement(model("v7", 2_000), START);
    harness.processElement(rating(1, 10, 5f, 5_000), START);
    harness.setProcessingTime(START + 10);
    harness.processElement(rating(1, 20, 4f, 5_001), START + 10);
    harness.setProcessingTime(START + 40);
    harness.processElement(rating(1, 30, 3f, 5_002), START + 40);
    assertEquals(1, harness.numProcessingTimeTimers(), "one timer for the whole burst");

    harness.setProcessingTime(START + COALESCE_MS - 1);
    assertTrue(writes().isEmpty(), "nothing is written before the window closes");
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals(1, rows().size(), "one solve for three ratings");
    assertEquals(1, writes().size(), "the ratings and the row go to Cassandra as one write");
    SpeedRow row = rows().get(0);
    assertEquals("v7", row.modelVersion);
    for (long rated : new long[] {10, 20, 30}) assertFalse(contains(row.movieIds, rated));
    assertArrayEquals(
        new long[] {40, 50, 60}, java.util.Arrays.stream(row.movieIds).sorted().toArray());
    assertEquals(3, userRatings().size());
    assertEquals(1, reader.calls(1), "the history is read once");

    // a replay of the same event changes nothing and writes nothing
    harness.processElement(rating(1, 30, 3f, 5_002), START + 60);
    harness.setProcessingTime(START + 200);
    assertEquals(1, rows().size());
    assertEquals(3, userRatings().size());
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void aDeletionFoldsTheUserInAgainWithoutTheMovieAndDeletesItsRow() throws Exception {
    open();
    harness.processBroadcastElement(model("v7", 2_000), START);
    for (long movie : new long[] {10, 20, 30})
      harness.processElement(rating(1, movie, 5f, 5_000 + movie), START);
    // user 2 rates only what user 1 keeps: the reference
    for (long movie : new long[] {10, 30})
      harness.processElement(rating(2, movie, 5f, 5_000 + movie), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals(2, rows().size());

    harness.processElement(rating(1, 20, 0f, 7_000), START + COALESCE_MS);
    harness.setProcessingTime(START + 2 * COALESCE_MS);
    assertEquals(3, rows().size(), "the deletion owes user 1 a new row");
    SpeedRow after = rows().get(2);
    SpeedRow reference = rows().get(1).userId == 2 ? rows().get(1) : rows().get(0);
    assertEquals(1L, after.userId);
    assertArrayEquals(reference.movieIds, after.movieIds);
    assertArrayEquals(reference.scores, after.scores);
    assertTrue(contains(after.movieIds, 20), "a deleted movie may be recommended again");
    UserRatingRow deleted = userRatings().get(userRatings().size() - 1);
    assertTrue(deleted.deleted());
    assertEquals(20L, deleted.movieId);
    assertEquals(7_000L, deleted.ratedAt);

    // the old rating replayed does not bring the movie back
    harness.processElement(rating(1, 20, 5f, 5_020), START + 200);
    harness.setProcessingTime(START + 400);
    assertEquals(3, rows().size());
    assertEquals(6, userRatings().size());
  }

  @Test
  void aUserWhoseModelCannotBeLoadedYetGetsARowWhenItLoadsWithoutRatingAgain() throws Exception {
    open();
    ModelRef written = ref("v3", 2_000);
    Path files = Path.of(java.net.URI.create(written.path));
    Path away = files.resolveSibling("v3-away");
    Files.move(files, away); // the model's files are unreadable, e.g. HDFS is failing
    harness.processBroadcastElement(new ModelSwitch(written, ++switchedAt, "model-updates"), START);
    harness.processElement(rating(1, 10, 5f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertTrue(rows().isEmpty(), "no model: no row yet");
    assertEquals(1, harness.numProcessingTimeTimers(), "the owed row is retried");

    Files.move(away, files);
    harness.setProcessingTime(START + COALESCE_MS + SpeedRecommender.MODEL_RETRY_MS - 1);
    assertTrue(rows().isEmpty(), "not before the retry is due");
    harness.setProcessingTime(START + COALESCE_MS + SpeedRecommender.MODEL_RETRY_MS);
    assertEquals(1, rows().size(), "the row once the model loads, with no further rating");
    assertEquals("v3", rows().get(0).modelVersion);
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void theStoredHistoryIsReadOnceAndMergedBeforeTheWaitingRatings() throws Exception {
    open();
    harness.processBroadcastElement(model("v1", 2_000), START);
    CompletableFuture<HistoryReader.Stored> read = reader.pending(1);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.processElement(rating(1, 20, 4f, 5_001), START + 1);
    assertEquals(1, reader.calls(1), "one read for the user, however many ratings wait");

    harness.setProcessingTime(START + COALESCE_MS);
    harness.setProcessingTime(START + COALESCE_MS + SpeedRecommender.SEED_RECHECK_MS);
    assertTrue(rows().isEmpty(), "still waiting for the read");
    assertTrue(userRatings().isEmpty());
    assertEquals(1, harness.numProcessingTimeTimers(), "the timer looks again shortly");

    // stored: movie 30, and movie 20 with a newer rating than the streamed one
    read.complete(
        new HistoryReader.Stored(
            new long[] {30, 20}, new float[] {5f, 1f}, new long[] {100, 9_000}));
    harness.setProcessingTime(START + COALESCE_MS + 2 * SpeedRecommender.SEED_RECHECK_MS);
    assertEquals(1, rows().size());
    SpeedRow row = rows().get(0);
    for (long rated : new long[] {10, 20, 30}) assertFalse(contains(row.movieIds, rated));
    assertEquals(
        List.of(10L),
        userRatings().stream().map(r -> r.movieId).collect(Collectors.toList()),
        "the streamed rating of 20 is older than the stored one: only 10 is written");

    harness.processElement(rating(1, 40, 2f, 5_002), START + 100);
    harness.setProcessingTime(START + 200);
    assertEquals(1, reader.calls(1), "a seeded user is not read again");
    assertEquals(2, rows().size());
  }

  @Test
  void aReplayedRatingThatTheStoredHistoryAlreadyHoldsStillGetsItsRow() throws Exception {
    // an attempt wrote the user_ratings row and failed before the speed row and a checkpoint;
    // after the restore the rating is replayed and the seed finds it already stored
    open();
    harness.processBroadcastElement(model("v1", 2_000), START);
    reader.answers.put(1L, stored(new long[] {10}, new float[] {4f}, new long[] {5_000}));
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals(1, rows().size(), "the row is computed although the history did not change");
    assertFalse(contains(rows().get(0).movieIds, 10));
    assertTrue(userRatings().isEmpty(), "the stored row is not written again");

    // a rating the model has seen (older than its cutoff) owes no row
    reader.answers.put(2L, stored(new long[] {10}, new float[] {4f}, new long[] {1_000}));
    harness.processElement(rating(2, 10, 4f, 1_000), START + 100);
    harness.setProcessingTime(START + 100 + COALESCE_MS);
    assertEquals(1, rows().size());

    // and one that changes the history owes its user_ratings row all the same, in the window
    harness.processElement(rating(2, 20, 3f, 1_500), START + 200);
    harness.setProcessingTime(START + 200 + COALESCE_MS);
    assertEquals(1, rows().size(), "still no row");
    UserWrites last = writes().get(writes().size() - 1);
    assertEquals(2L, last.userId);
    assertEquals(null, last.speed);
    assertEquals(1, last.ratings.length);
    assertEquals(20L, last.ratings[0].movieId);
    assertEquals(0, harness.numProcessingTimeTimers());
  }

  @Test
  void anExpiredHistoryIsReadAgainWhenTheUserReturns() throws Exception {
    open(recommender(reader, 60_000, 64, 1));
    harness.processBroadcastElement(model("v1", 2_000), START);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals(1, reader.calls(1));

    harness.setStateTtlProcessingTime(START + 3_600_000 + COALESCE_MS + 1);
    harness.processElement(rating(1, 20, 4f, 6_000), START + 100);
    assertEquals(2, reader.calls(1), "seeded again after the TTL");
    harness.setProcessingTime(START + 200);
    assertEquals(2, rows().size());
  }

  @Test
  void aHistoryReadThatNeverCompletesFailsTheTaskAtTheDeadline() throws Exception {
    open(recommender(reader, 1_000, 64, 24));
    harness.processBroadcastElement(model("v1", 2_000), START);
    reader.pending(1); // never completes
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + 500);
    assertTrue(rows().isEmpty());
    Exception e = assertThrows(Exception.class, () -> harness.setProcessingTime(START + 1_000));
    TimeoutException timeout = find(e, TimeoutException.class);
    assertEquals(
        "reading the history of user 1 did not complete within 1000 ms", timeout.getMessage());
    harness = null; // failed: not closed again
  }

  @Test
  void aFailedHistoryReadFailsTheTaskNamingTheUser() throws Exception {
    open();
    reader.answers.put(
        7L,
        CompletableFuture.failedFuture(
            new IllegalStateException("All host(s) tried for query failed")));
    harness.processElement(rating(7, 10, 4f, 5_000), START);
    Exception e =
        assertThrows(Exception.class, () -> harness.setProcessingTime(START + COALESCE_MS));
    IOException failure = find(e, IOException.class);
    assertTrue(
        failure.getMessage().startsWith("reading the history of user 7 failed"),
        failure.getMessage());
    harness = null;
  }

  @Test
  void noMoreHistoryReadsAreOutstandingThanTheBound() throws Exception {
    open(recommender(reader, 300, 1, 24));
    CompletableFuture<HistoryReader.Stored> first = reader.pending(1);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    first.complete(HistoryReader.Stored.NONE); // frees the only slot
    harness.processElement(rating(2, 10, 4f, 5_000), START);
    assertEquals(1, reader.calls(2));

    reader.pending(
        3); // user 3's read takes the slot and never completes (in real time, until its deadline)
    harness.processElement(rating(3, 10, 4f, 5_000), START);
    harness.processElement(rating(3, 20, 4f, 5_001), START);
    assertEquals(1, reader.calls(3));
    reader.pending(4);
    // user 4 waits for the slot; it frees when user 3's read passes its deadline, then user 4's
    // read starts
    harness.processElement(rating(4, 10, 4f, 5_000), START);
    assertEquals(1, reader.calls(4));
  }

  @Test
  void aRestoredUserWhoseReadWasOutIsReadAgainAndNothingIsLost() throws Exception {
    open();
    harness.processBroadcastElement(model("v1", 2_000), START);
    reader.pending(1);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.processElement(rating(1, 20, 3f, 5_001), START);
    OperatorSubtaskState snapshot = harness.snapshot(1, START + 10);

    ScriptedReader after = new ScriptedReader();
    restore(snapshot, after);
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals(1, after.calls(1), "the restored timer starts the read again");
    harness.setProcessingTime(START + COALESCE_MS + SpeedRecommender.SEED_RECHECK_MS);
    assertEquals(2, userRatings().size(), "both waiting ratings survived the restore");
    assertEquals(1, rows().size());
    assertEquals(
        "v1", rows().get(0).modelVersion, "the current model is restored from broadcast state");
  }

  /** A harness restored from a snapshot, reading histories through {@code reader}. */
  void restore(OperatorSubtaskState snapshot, ScriptedReader reader) throws Exception {
    if (harness != null) harness.close();
    harness =
        new KeyedBroadcastOperatorTestHarness<>(
            new CoBroadcastWithKeyedOperator<>(
                recommender(reader, 60_000, 64, 24), List.of(SpeedRecommender.BROADCAST_STATES)),
            r -> r.userId,
            Types.LONG,
            1,
            1,
            0);
    harness.setup();
    harness.initializeState(snapshot);
    harness.open();
  }

  static CompletableFuture<HistoryReader.Stored> stored(long[] movies, float[] values, long[] at) {
    return CompletableFuture.completedFuture(new HistoryReader.Stored(movies, values, at));
  }

  @Test
  void aRestoredUsersHistoryIsReadAgainAndItsUnwrittenRowsApplied() throws Exception {
    open();
    harness.processBroadcastElement(model("v1", 2_000), START);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals(1, rows().size());
    // a second rating, applied but not written yet when the checkpoint is taken
    harness.processElement(rating(1, 20, 3f, 5_001), START + 100);
    OperatorSubtaskState snapshot = harness.snapshot(1, START + 110);

    ScriptedReader after = new ScriptedReader();
    // the store holds what the first window wrote, not the unwritten row
    after.answers.put(1L, stored(new long[] {10}, new float[] {4f}, new long[] {5_000}));
    restore(snapshot, after);
    harness.setProcessingTime(START + 100 + COALESCE_MS);
    assertEquals(1, after.calls(1), "the history is not in the checkpoint: it is read again");
    assertEquals(1, rows().size());
    assertFalse(contains(rows().get(0).movieIds, 10), "the stored rating is in the fold-in");
    assertFalse(contains(rows().get(0).movieIds, 20), "and so is the unwritten one");
    assertEquals(
        List.of(20L),
        userRatings().stream().map(r -> r.movieId).collect(Collectors.toList()),
        "the unwritten row is written, once");

    harness.processElement(rating(1, 30, 5f, 5_002), START + 200);
    harness.setProcessingTime(START + 200 + COALESCE_MS);
    assertEquals(1, after.calls(1), "held from then on");
    assertEquals(2, rows().size());
  }

  @Test
  void aNewModelReadsTheHistoryOfARestoredUserWithNoWindowDue() throws Exception {
    open();
    harness.processBroadcastElement(model("v1", 2_000), START);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    OperatorSubtaskState snapshot = harness.snapshot(1, START + 60);

    ScriptedReader after = new ScriptedReader();
    after.answers.put(1L, stored(new long[] {10}, new float[] {4f}, new long[] {5_000}));
    restore(snapshot, after);
    // v2 has not seen the rating (cutoff 3,000 < 5,000): the user is recomputed with it at once
    harness.processBroadcastElement(model("v2", 3_000), START + 100);
    assertEquals(1, after.calls(1));
    assertEquals(1, rows().size());
    assertEquals("v2", rows().get(0).modelVersion);
    assertFalse(contains(rows().get(0).movieIds, 10));
    assertEquals(0, harness.numProcessingTimeTimers());

    // one that has seen it needs no read and no row: the batch view serves the user
    harness.processBroadcastElement(model("v3", 6_000), START + 200);
    assertEquals(1, after.calls(1));
    assertEquals(1, rows().size());
  }

  /** User {@code user}'s keyed state "history", as the recommender registers it. */
  ValueState<UserHistory> historyOf(long user) throws Exception {
    ValueStateDescriptor<UserHistory> history =
        new ValueStateDescriptor<>("history", TypeInformation.of(UserHistory.class));
    history.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofHours(24)).build());
    harness.getOperator().setCurrentKey(user);
    return harness
        .getOperator()
        .getKeyedStateBackend()
        .getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, history);
  }

  @Test
  void aStateFromBeforeTheHistoriesLeftTheCheckpointsIsTakenOver() throws Exception {
    open();
    harness.processBroadcastElement(model("v1", 6_000), START);
    // what a checkpoint of the earlier job held for users 1 and 2: whole histories, seeded
    for (long user : new long[] {1, 2}) {
      UserHistory whole = new UserHistory();
      whole.seed(new long[] {10}, new float[] {4f}, new long[] {5_000});
      whole.seeded = true;
      whole.lastEventAt = 5_000;
      historyOf(user).update(whole);
    }
    ScriptedReader after = new ScriptedReader();
    restore(harness.snapshot(1, START + 10), after);
    // the first model message after the start takes them over, though it switches nothing
    harness.processBroadcastElement(model("v1", 6_000), START + 20);
    for (long user : new long[] {1, 2}) {
      UserHistory kept = historyOf(user).value();
      assertEquals(0, kept.size(), "the state keeps the flags only from then on");
      assertFalse(kept.seeded);
      assertEquals(5_000, kept.lastEventAt);
    }

    harness.processElement(rating(1, 20, 3f, 7_000), START + 100);
    harness.setProcessingTime(START + 100 + COALESCE_MS);
    assertEquals(0, after.calls(1), "the history taken over is used, not read");
    assertEquals(1, rows().size());
    assertFalse(contains(rows().get(0).movieIds, 10));
    assertFalse(contains(rows().get(0).movieIds, 20));
    assertEquals(7_000, historyOf(1).value().lastEventAt);
  }

  /** The model version of the speed row a new user gets after the given switches arrived. */
  String currentAfter(ModelSwitch... switches) throws Exception {
    open();
    long t = START;
    for (ModelSwitch s : switches) harness.processBroadcastElement(s, t++);
    harness.processElement(rating(9, 10, 4f, 1_000_000), t);
    harness.setProcessingTime(t + COALESCE_MS);
    List<SpeedRow> out = rows();
    String version = out.get(out.size() - 1).modelVersion;
    harness.close();
    harness = null;
    return version;
  }

  @Test
  void anOlderAnnouncementArrivingAfterANewerPointerDoesNotReplaceIt() throws Exception {
    ModelSwitch pointer = model("v2", 2_000, 20_000, "current_model");
    ModelSwitch olderAnnouncement = model("v1", 1_000, 10_000, "model-updates");
    assertEquals("v2", currentAfter(pointer, olderAnnouncement));
    assertEquals("v2", currentAfter(olderAnnouncement, pointer), "the same in either order");
  }

  @Test
  void aRollbackAnnouncementOfAnOlderVersionReplacesTheNewerOne() throws Exception {
    ModelSwitch v2 = model("v2", 2_000, 20_000, "current_model");
    ModelSwitch rollbackToV1 = model("v1", 1_000, 30_000, "model-updates");
    assertEquals("v1", currentAfter(v2, rollbackToV1));
    assertEquals("v1", currentAfter(rollbackToV1, v2), "the same in either order");
    // switched at the same instant: the choice still does not depend on the order
    ModelSwitch a = model("v1", 1_000, 40_000, "current_model");
    ModelSwitch b = model("v2", 2_000, 40_000, "model-updates");
    assertEquals(currentAfter(a, b), currentAfter(b, a));
  }

  @Test
  void aRollbackRecomputesUsersNewerThanTheRestoredModelsCutoff() throws Exception {
    open();
    harness.processBroadcastElement(model("v2", 6_000, 20_000, "model-updates"), START);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertTrue(rows().isEmpty(), "v2 has seen the rating: the batch view serves the user");
    // a late-arriving older announcement changes nothing
    harness.processBroadcastElement(model("v1", 2_000, 10_000, "model-updates"), START + 60);
    assertTrue(rows().isEmpty());
    // the rollback to v1 (announced later) makes v1 current: the user's rating is newer than it
    harness.processBroadcastElement(model("v1", 2_000, 30_000, "model-updates"), START + 70);
    assertEquals(1, rows().size());
    assertEquals("v1", rows().get(0).modelVersion);
  }

  @Test
  void thePointerAndTheAnnouncementOfTheSameSwitchLoadTheModelOnce() throws Exception {
    open();
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    harness.processBroadcastElement(model("v1", 2_000, 20_000, "current_model"), START + 60);
    assertEquals(1, rows().size(), "the pointer read at start makes v1 current");
    // its announcement, published a moment after the pointer was switched, is the same model
    harness.processBroadcastElement(model("v1", 2_000, 20_005, "model-updates"), START + 70);
    assertEquals(1, rows().size(), "no second recompute");
    // an announcement before the switch time seen last is older: ignored
    harness.processBroadcastElement(model("v0", 1_000, 20_001, "model-updates"), START + 80);
    harness.processElement(rating(1, 20, 4f, 5_001), START + 90);
    harness.setProcessingTime(START + 200);
    assertEquals(2, rows().size());
    assertEquals("v1", rows().get(1).modelVersion);
  }

  /** The fold-in's broadcast state as jobs from before the switch time was kept left it. */
  static final class OldModelState
      extends KeyedBroadcastProcessFunction<Long, Rating, ModelRef, SpeedRow> {
    @Override
    public void processElement(Rating r, ReadOnlyContext ctx, Collector<SpeedRow> out) {}

    @Override
    public void processBroadcastElement(ModelRef ref, Context ctx, Collector<SpeedRow> out)
        throws Exception {
      ctx.getBroadcastState(SpeedRecommender.MODEL).put("current", ref);
    }
  }

  @Test
  void stateWithoutASwitchTimeRestoresAndAnyLaterSwitchOfAnotherVersionReplacesIt()
      throws Exception {
    KeyedBroadcastOperatorTestHarness<Long, Rating, ModelRef, SpeedRow> old =
        ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(
            new OldModelState(), r -> r.userId, Types.LONG, SpeedRecommender.MODEL);
    old.processBroadcastElement(ref("v1", 2_000), START);
    OperatorSubtaskState snapshot = old.snapshot(1, START);
    old.close();

    restore(snapshot, reader);
    harness.setProcessingTime(START);
    harness.processElement(rating(1, 10, 4f, 5_000), START);
    harness.setProcessingTime(START + COALESCE_MS);
    assertEquals("v1", rows().get(0).modelVersion, "the restored model serves");

    harness.processBroadcastElement(model("v1", 2_000, 1, "current_model"), START + 60);
    assertEquals(1, rows().size(), "the same version: nothing to recompute");
    harness.processBroadcastElement(model("v2", 3_000, 2, "model-updates"), START + 70);
    assertEquals(2, rows().size());
    assertEquals("v2", rows().get(1).modelVersion);
  }

  static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) if (type.isInstance(t)) return type.cast(t);
    throw new AssertionError("no " + type.getSimpleName() + " in " + e, e);
  }

  @Test
  void theReaderIsClosedWithTheOperator() throws Exception {
    open();
    harness.close();
    harness = null;
    assertTrue(reader.closed);
  }
}
