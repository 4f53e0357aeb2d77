package moviereco.flink.speed;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import moviereco.contracts.TopN;
import moviereco.flink.cassandra.Deadline;
import moviereco.flink.common.Rating;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speed layer, keyed by user. Keeps each user's rating history in memory ({@link
 * HeldHistories}, read from a {@link HistoryReader}, Cassandra {@code user_ratings} in the job,
 * asynchronously, on first sight, and again after a restart or once let go while idle), coalesces a
 * burst of one user's events behind a short processing-time timer, then folds in the whole history
 * with the current model's item factors ({@link FoldIn}) and emits the top-N without rated movies.
 * Every rating that changes the history also owes a user_ratings row; the window emits those rows
 * and the speed row together as one {@link UserWrites}, which the sink writes as one
 * single-partition batch (one request and one mutation in Cassandra, where two writes per rating
 * were the largest part of its load). A deletion takes the movie out of the fold-in (it is kept in
 * the history as a tombstone, see {@link UserHistory}), is written there too (the sink deletes the
 * row), and owes the user a new row like a rating. A rating that changes the history but owes no
 * speed row (the model has seen it) still waits for the window: the rows it owes are written with
 * the user's next window, within {@code coalesceMs}.
 *
 * <p>The current model arrives on the broadcast side (announcements from model-updates, and the
 * current_model pointer read at start); the switch made last wins whatever order they arrive in
 * ({@link ModelSwitch#supersedes}). Only the reference and its switch time are kept in
 * (checkpointed) broadcast state, and each instance loads the factors from the model's path. On a
 * new model, users whose streamed ratings are newer than its data cutoff are recomputed; the others
 * are served by the new batch view. A rating older than the current model's cutoff only updates the
 * history: the model has seen it. *
 *
 * <p>History reads are bounded: at most {@code maxSeedsInFlight} per parallel instance are
 * outstanding (a new user's event waits for a free slot, which frees within one deadline), and each
 * must complete within {@code seedDeadlineMs}, checked both on the read's future and, in processing
 * time, by the timer that waits for it. A read that fails or misses its deadline fails the task
 * with an exception naming the user; Flink restarts from the last checkpoint (nothing is lost: the
 * waiting ratings are in checkpointed state, the Kafka offsets in the checkpoint).
 *
 * <p>Checkpoints hold each user's flags, waiting ratings and unwritten rows, not the histories: the
 * heap backend copies its whole state at every checkpoint, and at 32M the histories were 78 MB
 * every 10 s, a burst of a third of a core that delayed whatever shared the machine. What a history
 * holds is in Cassandra once its window has written it (the sink's writes complete before a
 * checkpoint does), so after a restore a user's history is read again and the unwritten rows of the
 * restored state are applied to it. A deletion's tombstone is forgotten with the history (the store
 * holds no row for it), as when the state expires.
 *
 * <p>Metrics: {@value #RECOMMENDATIONS_COMPUTED}, {@value #USERS_SEEDED} (counters), {@value
 * #SEEDS_IN_FLIGHT} (gauge: history reads outstanding), {@value #HISTORIES_HELD} (gauge).
 */
public class SpeedRecommender
    extends KeyedBroadcastProcessFunction<Long, Rating, ModelSwitch, UserWrites> {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedRecommender.class);
  public static final MapStateDescriptor<String, ModelRef> MODEL =
      new MapStateDescriptor<>(
          "model", BasicTypeInfo.STRING_TYPE_INFO, TypeInformation.of(ModelRef.class));

  /**
   * When the current model was switched to (epoch ms), beside {@link #MODEL} and not in it, so that
   * the state of jobs from before it was kept restores unchanged (this state is then empty).
   */
  public static final MapStateDescriptor<String, Long> MODEL_SWITCHED_AT =
      new MapStateDescriptor<>(
          "model-switched-at", BasicTypeInfo.STRING_TYPE_INFO, BasicTypeInfo.LONG_TYPE_INFO);

  /** Every broadcast state of the function, for {@code broadcast(...)} and test harnesses. */
  public static final MapStateDescriptor<?, ?>[] BROADCAST_STATES = {MODEL, MODEL_SWITCHED_AT};

  private static final UserRatingRow[] NO_RATINGS = {};
  private static final String CURRENT = "current";
  static final long MODEL_RETRY_MS = 30_000;
  static final long SEED_RECHECK_MS = 5;
  public static final String RECOMMENDATIONS_COMPUTED = "recommendationsComputed";
  public static final String USERS_SEEDED = "usersSeeded";
  public static final String SEEDS_IN_FLIGHT = "historyReadsInFlight";
  public static final String HISTORIES_HELD = "historiesHeld";

  private final HistoryReader historyReader;
  private final long coalesceMs;
  private final int topN;
  private final long stateTtlHours;
  private final long seedDeadlineMs;
  private final int maxSeedsInFlight;

  private transient ValueStateDescriptor<UserHistory> historyDescriptor;

  /** each user's flags (no ratings: {@link UserHistory#flagsOnly}), checkpointed */
  private transient ValueState<UserHistory> history;

  /** each user's ratings, in memory only: read again from the history reader when not held */
  private transient HeldHistories held;

  /** whether states from before the split were taken over (once after each start) */
  private transient boolean tookOver;

  private transient ListState<Rating> pending;

  /** the user_ratings rows this user's ratings changed since the last window wrote */
  private transient ListState<UserRatingRow> unwritten;

  /** the history reads of this instance, by user: started, not yet merged */
  private transient Map<Long, Seed> seeds;

  private transient Semaphore seedSlots;
  private transient Model model;
  private transient boolean[] exclude;

  private transient String failedVersion;
  private transient long failedAt;
  private transient Counter computed;
  private transient Counter seeded;

  /** A history read: its result, bounded by the deadline, and when it started (processing time). */
  private record Seed(CompletableFuture<HistoryReader.Stored> result, long startedAt) {}

  public SpeedRecommender(
      HistoryReader historyReader,
      long coalesceMs,
      int topN,
      long stateTtlHours,
      long seedDeadlineMs,
      int maxSeedsInFlight) {
    if (seedDeadlineMs <= 0)
      throw new IllegalArgumentException(
          "the history read deadline must be positive, not " + seedDeadlineMs);
    if (maxSeedsInFlight <= 0)
      throw new IllegalArgumentException(
          "--seed.max.in.flight must be positive, not " + maxSeedsInFlight);
    this.historyReader = historyReader;
    this.coalesceMs = coalesceMs;
    this.topN = topN;
    this.stateTtlHours = stateTtlHours;
    this.seedDeadlineMs = seedDeadlineMs;
    this.maxSeedsInFlight = maxSeedsInFlight;
  }

  @Override
  public void open(Configuration parameters) throws Exception {
    historyDescriptor =
        new ValueStateDescriptor<>("history", TypeInformation.of(UserHistory.class));
    ListStateDescriptor<Rating> pendingDescriptor =
        new ListStateDescriptor<>("pending", TypeInformation.of(Rating.class));
    if (stateTtlHours > 0) {
      // an idle user's history is dropped after a while and seeded again from Cassandra when they
      // return
      StateTtlConfig ttl =
          StateTtlConfig.newBuilder(java.time.Duration.ofHours(stateTtlHours)).build();
      historyDescriptor.enableTimeToLive(ttl);
    }
    history = getRuntimeContext().getState(historyDescriptor);
    pending = getRuntimeContext().getListState(pendingDescriptor);
    unwritten =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>("unwritten", TypeInformation.of(UserRatingRow.class)));
    historyReader.open();
    seeds = new HashMap<>();
    held = new HeldHistories(stateTtlHours * 3_600_000);
    seedSlots = new Semaphore(maxSeedsInFlight);
    computed = getRuntimeContext().getMetricGroup().counter(RECOMMENDATIONS_COMPUTED);
    seeded = getRuntimeContext().getMetricGroup().counter(USERS_SEEDED);
    getRuntimeContext()
        .getMetricGroup()
        .gauge(
            SEEDS_IN_FLIGHT,
            (Gauge<Integer>) () -> maxSeedsInFlight - seedSlots.availablePermits());
    getRuntimeContext().getMetricGroup().gauge(HISTORIES_HELD, (Gauge<Integer>) held::size);
  }

  @Override
  public void close() throws Exception {
    historyReader.close();
  }

  @Override
  public void processElement(Rating r, ReadOnlyContext ctx, Collector<UserWrites> out)
      throws Exception {
    long now = ctx.timerService().currentProcessingTime();
    UserHistory flags = flags(r.userId, history.value(), now);
    if (flags == null) flags = new UserHistory();
    UserHistory h = held.use(r.userId, now);
    if (h == null) {
      pending.add(r);
      if (!seeds.containsKey(r.userId)) startSeed(r.userId, now);
      schedule(flags, ctx);
    } else {
      boolean changed = apply(h, flags, r, ctx.getBroadcastState(MODEL).get(CURRENT));
      if (changed || flags.dirty) schedule(flags, ctx);
    }
    history.update(flags);
  }

  /**
   * The user's flags from keyed state: null if none (a new user, or expired, when any ratings still
   * held are let go too). A state from before the ratings left it ({@code seeded}) gives its
   * ratings to {@link #held}.
   */
  private UserHistory flags(long user, UserHistory stored, long now) {
    if (stored == null) {
      held.remove(user);
      return null;
    }
    if (!stored.seeded) return stored;
    held.hold(user, stored, now);
    return stored.flagsOnly();
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<UserWrites> out)
      throws Exception {
    long user = ctx.getCurrentKey();
    long now = ctx.timerService().currentProcessingTime();
    UserHistory flags = flags(user, history.value(), now);
    if (flags == null) { // expired
      seeds.remove(user);
      emit(user, null, out);
      return;
    }
    flags.timerAt = 0;
    ModelRef ref = ctx.getBroadcastState(MODEL).get(CURRENT);
    UserHistory h = held.use(user, now);
    if (h == null) {
      Seed seed = seeds.get(user);
      if (seed == null) seed = startSeed(user, now); // after a restore, or let go while idle
      if (!seed.result.isDone()) {
        if (now - seed.startedAt >= seedDeadlineMs)
          throw Deadline.exceeded(readOf(user), seedDeadlineMs);
        // the history read is still out: look again shortly instead of blocking every other user
        schedule(flags, ctx, SEED_RECHECK_MS);
        history.update(flags);
        return;
      }
      seeds.remove(user);
      h = seeded(user, stored(user, seed), now);
      // rows applied before a restore that the window had not written yet: not in the store
      Iterable<UserRatingRow> notWritten = unwritten.get();
      if (notWritten != null)
        for (UserRatingRow w : notWritten) h.apply(w.movieId, w.rating, w.ratedAt);
      Iterable<Rating> waiting = pending.get();
      if (waiting != null)
        for (Rating r : waiting) {
          apply(h, flags, r, ref);
          // the stored history may hold this rating already: an attempt that failed after the
          // last checkpoint wrote its user_ratings row, and maybe not the speed row. The row is
          // owed all the same (else a replay finds nothing new and the user never gets one).
          owe(flags, r, ref);
        }
      pending.clear();
    }
    SpeedRow row = null;
    if (flags.dirty && ref != null) {
      Model m = model(ref, now);
      if (m != null) {
        row = recommend(user, h, m);
        flags.dirty = false;
      } else {
        // the model did not load (it is retried after MODEL_RETRY_MS): this user's row is owed,
        // so look again then instead of waiting for the user's next rating
        schedule(flags, ctx, MODEL_RETRY_MS);
      }
    }
    emit(user, row, out);
    history.update(flags);
  }

  /** The outcome of a finished history read: the stored ratings, or the failure to throw. */
  private static HistoryReader.Stored stored(long user, Seed seed) throws Exception {
    try {
      return seed.result.join();
    } catch (RuntimeException e) {
      Throwable cause = Deadline.cause(e);
      if (cause instanceof TimeoutException timeout) throw timeout;
      throw new IOException(readOf(user) + " failed: " + cause, cause);
    }
  }

  /** A history made from the stored ratings, held from now on. */
  private UserHistory seeded(long user, HistoryReader.Stored stored, long now) {
    UserHistory h = new UserHistory();
    h.seed(stored.movieIds(), stored.ratings(), stored.ratedAt());
    held.hold(user, h, now);
    seeded.inc();
    return h;
  }

  /** The window's writes of the current user: its unwritten rating rows and the row, if any. */
  private void emit(long user, SpeedRow row, Collector<UserWrites> out) throws Exception {
    Iterable<UserRatingRow> stored = unwritten.get();
    List<UserRatingRow> rows = new ArrayList<>();
    if (stored != null) stored.forEach(rows::add);
    if (row == null && rows.isEmpty()) return;
    unwritten.clear();
    out.collect(new UserWrites(user, rows.toArray(NO_RATINGS), row));
  }

  @Override
  public void processBroadcastElement(ModelSwitch update, Context ctx, Collector<UserWrites> out)
      throws Exception {
    if (!tookOver) takeOver(ctx);
    BroadcastState<String, ModelRef> state = ctx.getBroadcastState(MODEL);
    BroadcastState<String, Long> times = ctx.getBroadcastState(MODEL_SWITCHED_AT);
    ModelRef current = state.get(CURRENT);
    Long at = times.get(CURRENT);
    long currentAt = at == null ? ModelSwitch.UNKNOWN : at;
    if (!update.supersedes(current, currentAt)) {
      LOG.info(
          "ignoring {}: the current model {} was switched to later (at {})",
          update,
          current.version,
          currentAt);
      return;
    }
    times.put(CURRENT, update.switchedAt);
    ModelRef ref = update.model;
    if (current != null && current.version.equals(ref.version)) return; // the same model
    state.put(CURRENT, ref);
    LOG.info(
        "model {} {} is current (data cutoff {}; {})",
        ref.modelName,
        ref.version,
        Instant.ofEpochMilli(ref.dataCutoff),
        update);
    long now = ctx.currentProcessingTime();
    model(ref, now); // load now, not on the first rating after it
    LOG.info(
        "model {}: recomputed {} users with ratings newer than its cutoff",
        ref.version,
        recompute(ref, now, ctx, out));
  }

  /**
   * States restored from before the histories left the checkpoints are all taken over at the first
   * model message after a start (the pointer read at start), not left for every checkpoint to copy
   * until their users return.
   */
  private void takeOver(Context ctx) throws Exception {
    tookOver = true;
    long now = ctx.currentProcessingTime();
    ctx.applyToKeyedState(
        historyDescriptor,
        (user, userState) -> {
          UserHistory stored = userState.value();
          if (stored != null && stored.seeded) userState.update(flags(user, stored, now));
        });
  }

  /**
   * After a switch to {@code ref}: the rows of users with ratings newer than its cutoff, computed
   * now; how many. Users whose history is not held and for whom no timer is due are read here, all
   * at once (a timer's user is recomputed by the timer, with the new model); such a user has no
   * ratings waiting or unwritten, as those always come with a timer.
   */
  private int recompute(ModelRef ref, long now, Context ctx, Collector<UserWrites> out)
      throws Exception {
    int[] recomputed = {0};
    Map<Long, Seed> reads = new HashMap<>();
    ctx.applyToKeyedState(
        historyDescriptor,
        (user, userState) -> {
          UserHistory flags = flags(user, userState.value(), now);
          if (flags == null) return;
          UserHistory h = held.peek(user);
          if (flags.lastEventAt <= ref.dataCutoff) flags.dirty = false;
          else if (h != null) {
            Model m = model(ref, now);
            if (m == null) return;
            // the user's unwritten rating rows, if any, go with its own window
            out.collect(new UserWrites(user, NO_RATINGS, recommend(user, h, m)));
            recomputed[0]++;
            flags.dirty = false;
          } else {
            flags.dirty = true;
            if (flags.timerAt == 0 && !seeds.containsKey(user))
              reads.put(user, startSeed(user, now));
          }
          userState.update(flags);
        });
    if (reads.isEmpty()) return recomputed[0];
    ctx.applyToKeyedState(
        historyDescriptor,
        (user, userState) -> {
          Seed seed = reads.get(user);
          if (seed == null) return;
          seeds.remove(user);
          UserHistory h = seeded(user, stored(user, seed), now);
          Model m = model(ref, now);
          if (m == null) return;
          out.collect(new UserWrites(user, NO_RATINGS, recommend(user, h, m)));
          recomputed[0]++;
          UserHistory flags = userState.value();
          flags.dirty = false;
          userState.update(flags);
        });
    return recomputed[0];
  }

  /**
   * Applies a streamed rating or deletion; if it changed the history, the user_ratings row (a
   * deletion's row deletes) waits for the window, and true.
   */
  private boolean apply(UserHistory h, UserHistory flags, Rating r, ModelRef ref) throws Exception {
    if (!h.apply(r.movieId, r.rating, r.ratedAt)) return false;
    unwritten.add(new UserRatingRow(r.userId, r.movieId, r.rating, r.ratedAt));
    owe(flags, r, ref);
    return true;
  }

  /** A streamed rating the model has not seen (newer than its cutoff) owes the user a new row. */
  private static void owe(UserHistory flags, Rating r, ModelRef ref) {
    flags.lastEventAt = Math.max(flags.lastEventAt, r.ratedAt);
    if (ref == null || r.ratedAt > ref.dataCutoff) flags.dirty = true;
  }

  private void schedule(UserHistory flags, ReadOnlyContext ctx) {
    schedule(flags, ctx, coalesceMs);
  }

  private void schedule(UserHistory flags, ReadOnlyContext ctx, long delayMs) {
    if (flags.timerAt != 0) return;
    flags.timerAt = ctx.timerService().currentProcessingTime() + delayMs;
    ctx.timerService().registerProcessingTimeTimer(flags.timerAt);
  }

  private SpeedRow recommend(long user, UserHistory h, Model m) {
    int[] rows = new int[h.size()];
    for (int j = 0; j < rows.length; j++) {
      rows[j] = h.deleted(j) ? -1 : m.indexOf(h.movies[j]);
      if (rows[j] >= 0) exclude[rows[j]] = true;
    }
    try {
      FoldIn.UserVector u = FoldIn.solve(m, rows, h.ratings);
      TopN.Result top = FoldIn.recommend(m, u, exclude, topN);
      computed.inc();
      long ratedUntil = 0;
      for (int j = 0; j < rows.length; j++) ratedUntil = Math.max(ratedUntil, h.ratedAt[j]);
      return new SpeedRow(
          user, m.version, System.currentTimeMillis(), ratedUntil, top.ids(), top.scores());
    } finally {
      for (int row : rows) if (row >= 0) exclude[row] = false;
    }
  }

  /**
   * The model of {@code ref}, loaded once; null while it fails to load (retried after
   * MODEL_RETRY_MS of processing time).
   */
  private Model model(ModelRef ref, long now) {
    if (model != null && model.version.equals(ref.version)) return model;
    if (ref.version.equals(failedVersion) && now - failedAt < MODEL_RETRY_MS) return null;
    try {
      long start = System.currentTimeMillis();
      model = ModelLoader.load(ref.path);
      model.byNorm(); // the scoring order, made once here rather than by the first rating
      exclude = new boolean[model.size()];
      failedVersion = null;
      LOG.info(
          "loaded model {} from {}: {} items of rank {} in {} ms",
          ref.version,
          ref.path,
          model.size(),
          model.rank,
          System.currentTimeMillis() - start);
      return model;
    } catch (Exception e) {
      failedVersion = ref.version;
      failedAt = now;
      LOG.error(
          "cannot load model {} from {}; users stay on the batch view until it loads",
          ref.version,
          ref.path,
          e);
      return null;
    }
  }

  /**
   * Starts reading a user's history: waits for a free slot, then reads with a deadline. A slot
   * frees when a read completes, fails or passes its deadline, so the wait is bounded by one
   * deadline; it gives up after two (and the user whose read passed its deadline fails the task
   * with the clearer message first, when its timer fires).
   */
  private Seed startSeed(long user, long now)
      throws TimeoutException, InterruptedException, IOException {
    if (!seedSlots.tryAcquire(2 * seedDeadlineMs, TimeUnit.MILLISECONDS)) {
      throw Deadline.exceeded(
          "a free slot for " + readOf(user) + " (" + maxSeedsInFlight + " reads outstanding)",
          2 * seedDeadlineMs);
    }
    CompletionStage<HistoryReader.Stored> reading;
    try {
      reading = historyReader.read(user);
    } catch (RuntimeException e) {
      seedSlots.release();
      throw new IOException(readOf(user) + " failed: " + e, e);
    }
    CompletableFuture<HistoryReader.Stored> result =
        Deadline.within(reading, seedDeadlineMs, readOf(user));
    result.whenComplete((stored, error) -> seedSlots.release());
    Seed seed = new Seed(result, now);
    seeds.put(user, seed);
    return seed;
  }

  private static String readOf(long user) {
    return "reading the history of user " + user;
  }
}
