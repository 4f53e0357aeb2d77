package moviereco.flink.speed;

import java.time.Instant;
import moviereco.avro.ModelPublished;
import moviereco.flink.cassandra.CassandraOptions;
import moviereco.flink.cassandra.CassandraSink;
import moviereco.flink.cassandra.ScoredMovies;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Kafka;
import moviereco.flink.common.KafkaRecord;
import moviereco.flink.common.Rating;
import moviereco.flink.common.RatingDecoder;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speed recommender: ratings (Kafka) → decode (rejects → DLQ) → per user: history, coalesce,
 * fold-in with the current model → speed_recommendations and user_ratings (Cassandra).
 *
 * <p>Flags (defaults): {@code --job.name} speed-recommender, {@code --ratings.topic} ratings,
 * {@code --updates.topic} model-updates, {@code --dlq.topic} ratings-dlq, {@code --model.name} als,
 * {@code --coalesce.ms} 50, {@code --top.n} 100, {@code --state.ttl.hours} 24 (0 = keep forever),
 * {@code --max.in.flight} 64, and those of {@link Kafka}, {@link JobSetup}, {@link CassandraOptions}.
 */
public final class SpeedRecommenderJob {
  private static final Logger LOG = LoggerFactory.getLogger(SpeedRecommenderJob.class);

  private SpeedRecommenderJob() {}

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    String name = params.get("job.name", "speed-recommender");
    CassandraOptions cassandra = CassandraOptions.from(params);
    int maxInFlight = params.getInt("max.in.flight", 64);
    StreamExecutionEnvironment env = JobSetup.streaming(params);

    SingleOutputStreamOperator<Rating> ratings = Kafka.ratings(env, params, name);
    ratings.getSideOutput(RatingDecoder.REJECTED).sinkTo(Kafka.deadLetterSink(params)).name("dead-letters").uid("dead-letters");

    // every announcement from the beginning: the last one for this model name is the current model
    ParameterTool updatesParams = params.mergeWith(ParameterTool.fromArgs(new String[] {"--starting.offsets", "earliest", "--group.id", name + "-models"}));
    BroadcastStream<ModelRef> models = env
        .fromSource(Kafka.rawSource(updatesParams, params.get("updates.topic", "model-updates"), name + "-models"), WatermarkStrategy.noWatermarks(), "model-updates-source")
        .uid("model-updates-source")
        .flatMap(new DecodeModelRef(params.get("model.name", "als"))).name("decode-model").uid("decode-model")
        .setParallelism(1)
        .broadcast(SpeedRecommender.MODEL);

    SingleOutputStreamOperator<SpeedRow> rows = ratings
        .keyBy(r -> r.userId)
        .connect(models)
        .process(new SpeedRecommender(cassandra, params.getLong("coalesce.ms", 50), params.getInt("top.n", 100), params.getLong("state.ttl.hours", 24)))
        .name("fold-in").uid("fold-in");

    rows.sinkTo(new CassandraSink<SpeedRow>(cassandra,
            "INSERT INTO speed_recommendations (user_id, model_version, computed_at, items) VALUES (?, ?, ?, ?)",
            (statement, row) -> statement.bind(row.userId, row.modelVersion, Instant.ofEpochMilli(row.computedAt), ScoredMovies.items(statement, row.movieIds, row.scores)),
            maxInFlight))
        .name("speed-view").uid("speed-view");
    rows.getSideOutput(SpeedRecommender.USER_RATINGS)
        .sinkTo(new CassandraSink<UserRatingRow>(cassandra,
            "INSERT INTO user_ratings (user_id, movie_id, rating, rated_at) VALUES (?, ?, ?, ?)",
            (statement, row) -> statement.bind(row.userId, row.movieId, row.rating, Instant.ofEpochMilli(row.ratedAt)),
            maxInFlight))
        .name("user-ratings").uid("user-ratings");

    env.execute(name);
  }

  /** ModelPublished → ModelRef for one model name; an undecodable announcement is logged and skipped. */
  static final class DecodeModelRef implements FlatMapFunction<KafkaRecord, ModelRef> {
    private final String modelName;

    DecodeModelRef(String modelName) {
      this.modelName = modelName;
    }

    @Override
    public void flatMap(KafkaRecord record, Collector<ModelRef> out) {
      try {
        ModelPublished p = ModelPublished.getDecoder().decode(record.value);
        if (p.getModelName().equals(modelName)) out.collect(new ModelRef(p.getModelName(), p.getVersion(), p.getPath(), p.getDataCutoff().toEpochMilli()));
      } catch (Exception e) {
        LOG.warn("skipping an undecodable record at {}-{}@{}: {}", record.topic, record.partition, record.offset, e.toString());
      }
    }
  }
}
