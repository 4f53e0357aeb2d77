package moviereco.flink.speed;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import moviereco.avro.ModelPublished;
import moviereco.contracts.Cql;
import moviereco.contracts.ScoredMovies;
import moviereco.flink.cassandra.CassandraOptions;
import moviereco.flink.cassandra.CassandraSink;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Kafka;
import moviereco.flink.common.KafkaRecord;
import moviereco.flink.common.Rating;
import moviereco.flink.common.RatingDecoder;
import moviereco.flink.common.Rejected;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speed recommender: ratings (Kafka) → decode (rejects → DLQ) → per user: history, coalesce,
 * fold-in with the current model → speed_recommendations and user_ratings (Cassandra), one
 * single-partition batch per user and coalescing window.
 *
 * <p>The pipeline ({@link #pipeline}) takes its inputs, its outputs and the history reader as
 * arguments; {@code main} wires Kafka and Cassandra to it.
 *
 * <p>Flags (defaults): {@code --job.name} speed-recommender, {@code --ratings.topic} ratings,
 * {@code --updates.topic} model-updates, {@code --dlq.topic} ratings-dlq, {@code --model.name} als,
 * {@code --coalesce.ms} 50, {@code --top.n} 100, {@code --state.ttl.hours} 24 (0 = keep forever),
 * {@code --max.in.flight} 64 (writes outstanding per sink instance), {@code --seed.max.in.flight}
 * 64 (history reads outstanding per instance; each has the {@code --cassandra.deadline.ms}), and
 * those of {@link Kafka} (including the required {@code --max.future.skew.ms}), {@link JobSetup},
 * {@link CassandraOptions} (whose timeouts are required).
 */
public final class SpeedRecommenderJob {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedRecommenderJob.class);

  private SpeedRecommenderJob() {}

  /** The pipeline's knobs. */
  public record Settings(
      String jobName,
      String modelName,
      long maxFutureSkewMs,
      long coalesceMs,
      int topN,
      long stateTtlHours,
      long seedDeadlineMs,
      int maxSeedsInFlight)
      implements Serializable {
    public static Settings from(ParameterTool params, CassandraOptions cassandra) {
      return new Settings(
          params.get("job.name", "speed-recommender"),
          params.get("model.name", "als"),
          Kafka.maxFutureSkewMs(params),
          params.getLong("coalesce.ms", 50),
          params.getInt("top.n", 100),
          params.getLong("state.ttl.hours", 24),
          cassandra.deadlineMs(),
          params.getInt("seed.max.in.flight", 64));
    }
  }

  /** Where the pipeline's results go. */
  public record Sinks(Sink<UserWrites> userWrites, Sink<Rejected> deadLetters) {}

  public static void main(String[] args) throws Exception {
    JobSetup.run(args, "speed-recommender", SpeedRecommenderJob::define);
  }

  /** The job as it runs: Kafka in, Cassandra and the dead-letter topic out. */
  static void define(StreamExecutionEnvironment env, ParameterTool params) {
    CassandraOptions cassandra = CassandraOptions.from(params);
    Settings settings = Settings.from(params, cassandra);
    String name = settings.jobName();
    int maxInFlight = params.getInt("max.in.flight", 64);

    DataStream<KafkaRecord> ratings = Kafka.rawRatings(env, params, name);
    // every announcement from the beginning: the switch made last is the current model
    ParameterTool updatesParams =
        params.mergeWith(
            ParameterTool.fromArgs(
                new String[] {"--starting.offsets", "earliest", "--group.id", name + "-models"}));
    DataStream<KafkaRecord> updates =
        env.fromSource(
                Kafka.rawSource(
                    updatesParams, params.get("updates.topic", "model-updates"), name + "-models"),
                WatermarkStrategy.noWatermarks(),
                "model-updates-source")
            .uid("model-updates-source");

    Sinks sinks =
        new Sinks(
            new CassandraSink<UserWrites>(
                cassandra,
                List.of(
                    Cql.INSERT_USER_RATING,
                    Cql.DELETE_USER_RATING,
                    Cql.INSERT_SPEED_RECOMMENDATIONS),
                SpeedRecommenderJob::bindUserWrites,
                UserWrites::statements,
                maxInFlight),
            Kafka.deadLetterSink(params));
    pipeline(
        ratings,
        updates,
        new CassandraCurrentModelReader(cassandra),
        new CassandraHistoryReader(cassandra),
        sinks,
        settings);
  }

  /**
   * One user's window: its user_ratings rows, then its speed row, in one unlogged batch (all of one
   * partition key, so Cassandra applies them as one mutation, with no batch log); a single
   * statement goes alone. The statements are those of {@link #define}'s sink, in that order.
   */
  static Statement<?> bindUserWrites(List<PreparedStatement> statements, UserWrites writes) {
    List<BoundStatement> bound = new ArrayList<>(writes.statements());
    for (UserRatingRow row : writes.ratings) bound.add(bindUserRating(statements, row));
    if (writes.speed != null) bound.add(bindSpeedRow(statements.get(2), writes.speed));
    if (bound.size() == 1) return bound.get(0);
    return BatchStatement.newInstance(
        DefaultBatchType.UNLOGGED, bound.toArray(new BoundStatement[0]));
  }

  /** A speed row bound to {@link Cql#INSERT_SPEED_RECOMMENDATIONS}. */
  static BoundStatement bindSpeedRow(PreparedStatement statement, SpeedRow row) {
    return ScoredMovies.bind(
        statement.bind(
            row.userId,
            row.modelVersion,
            Instant.ofEpochMilli(row.computedAt),
            Instant.ofEpochMilli(row.ratedUntil)),
        Cql.TOP_ITEMS,
        row.movieIds,
        row.scores);
  }

  /**
   * A user_ratings row bound to {@link Cql#INSERT_USER_RATING} (the first statement), a deletion to
   * {@link Cql#DELETE_USER_RATING} (the second): written with the rating's (or deletion's) own time
   * as its write timestamp ({@link Cql#userRatingWriteTime}), so an older rating never overwrites a
   * newer one, nor brings a deleted one back, whichever layer writes last.
   */
  static BoundStatement bindUserRating(List<PreparedStatement> statements, UserRatingRow row) {
    if (row.deleted())
      return statements.get(1).bind(Cql.userRatingWriteTime(row.ratedAt), row.userId, row.movieId);
    return statements
        .get(0)
        .bind(
            row.userId,
            row.movieId,
            row.rating,
            Instant.ofEpochMilli(row.ratedAt),
            Cql.userRatingWriteTime(row.ratedAt));
  }

  /**
   * The speed layer from raw rating records and model announcements: decode (uid decode; rejects to
   * {@code sinks.deadLetters}, uid dead-letters), decode-model (parallelism 1) and, once at start,
   * the stored current model (current-model-source → read-current-model, parallelism 1) →
   * broadcast, fold-in keyed by user (uid fold-in) → user-writes. Returns the fold-in's writes.
   */
  public static SingleOutputStreamOperator<UserWrites> pipeline(
      DataStream<KafkaRecord> ratingRecords,
      DataStream<KafkaRecord> modelUpdates,
      CurrentModelReader currentModel,
      HistoryReader history,
      Sinks sinks,
      Settings settings) {
    SingleOutputStreamOperator<Rating> ratings =
        Kafka.decode(ratingRecords, settings.jobName(), settings.maxFutureSkewMs());
    ratings
        .getSideOutput(RatingDecoder.REJECTED)
        .sinkTo(sinks.deadLetters())
        .name("dead-letters")
        .uid("dead-letters");

    DataStream<ModelSwitch> announced =
        modelUpdates
            .flatMap(new DecodeModelSwitch(settings.modelName()))
            .name("decode-model")
            .uid("decode-model")
            .setParallelism(1);
    // what the store says is current, in case model-updates lost its announcement (retention, or
    // an announcement that failed after the pointer was switched): read once when the job starts
    DataStream<ModelSwitch> stored =
        ratingRecords
            .getExecutionEnvironment()
            .fromData(settings.modelName())
            .name("current-model-source")
            .uid("current-model-source")
            .setParallelism(1)
            .flatMap(new ReadCurrentModel(currentModel))
            .name("read-current-model")
            .uid("read-current-model")
            .setParallelism(1);
    BroadcastStream<ModelSwitch> models =
        announced.union(stored).broadcast(SpeedRecommender.BROADCAST_STATES);

    SingleOutputStreamOperator<UserWrites> writes =
        ratings
            .keyBy(r -> r.userId)
            .connect(models)
            .process(
                new SpeedRecommender(
                    history,
                    settings.coalesceMs(),
                    settings.topN(),
                    settings.stateTtlHours(),
                    settings.seedDeadlineMs(),
                    settings.maxSeedsInFlight()))
            .name("fold-in")
            .uid("fold-in");

    // replaces the stateless sinks speed-view and user-ratings: a savepoint that has them restores
    // (Flink skips an operator's state that is empty)
    writes.sinkTo(sinks.userWrites()).name("user-writes").uid("user-writes");
    return writes;
  }

  /**
   * ModelPublished → ModelSwitch (switched at its publishedAt) for one model name; an undecodable
   * announcement is logged and skipped.
   */
  static final class DecodeModelSwitch implements FlatMapFunction<KafkaRecord, ModelSwitch> {
    static final String ORIGIN = "model-updates";
    private final String modelName;

    DecodeModelSwitch(String modelName) {
      this.modelName = modelName;
    }

    @Override
    public void flatMap(KafkaRecord record, Collector<ModelSwitch> out) {
      try {
        ModelPublished p = ModelPublished.getDecoder().decode(record.value);
        if (p.getModelName().equals(modelName))
          out.collect(
              new ModelSwitch(
                  new ModelRef(
                      p.getModelName(),
                      p.getVersion(),
                      p.getPath(),
                      p.getDataCutoff().toEpochMilli()),
                  p.getPublishedAt().toEpochMilli(),
                  ORIGIN));
      } catch (Exception e) {
        LOG.warn(
            "skipping an undecodable record at {}-{}@{}: {}",
            record.topic,
            record.partition,
            record.offset,
            e.toString());
      }
    }
  }

  /**
   * Model name → the current model the store holds, if any (read when the operator gets its one
   * element, i.e. once when the job starts). A store that does not answer within the deadline, or
   * fails, fails the task with the reader's message; Flink restarts the job.
   */
  static final class ReadCurrentModel implements FlatMapFunction<String, ModelSwitch> {
    private final CurrentModelReader reader;

    ReadCurrentModel(CurrentModelReader reader) {
      this.reader = reader;
    }

    @Override
    public void flatMap(String modelName, Collector<ModelSwitch> out) throws Exception {
      reader.read(modelName).ifPresent(out::collect);
    }
  }
}
