package moviereco.flink.archive;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import moviereco.contracts.ArchiveLine;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Kafka;
import moviereco.flink.common.Rating;
import moviereco.flink.common.RatingDecoder;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.DefaultRollingPolicy;

/**
 * The archive: every valid event of {@code ratings} into {@code <output>/date=YYYY-MM-DD/} as the
 * lines the batch job reads ({@link ArchiveLine}: {@code
 * userId,movieId,rating,ratedAtMillis,eventId}), exactly once. The date is the day (UTC) the event
 * entered Kafka, so one bucket is open at a time and a replay of old ratings does not open
 * thousands. Part files become visible when they roll and the next checkpoint completes;
 * in-progress files are hidden (a leading dot), so the batch never reads half a file. After a
 * failure the sink truncates the open file back to the last checkpoint.
 *
 * <p>Flags (defaults): {@code --job.name} archive, {@code --ratings.topic} ratings, {@code
 * --output} hdfs://127.0.0.1:9000/events/ratings, {@code --roll.ms} 60000 (a part file's longest
 * life and idle time), {@code --dlq.topic} (empty: rejects are only counted; the speed job
 * dead-letters them), and those of {@link Kafka} and {@link JobSetup}. The pipeline ({@link
 * #pipeline}) takes its ratings and its sink as arguments; {@code main} wires Kafka and HDFS.
 */
public final class ArchiveJob {
  private ArchiveJob() {}

  public static void main(String[] args) throws Exception {
    JobSetup.run(args, "archive", ArchiveJob::define);
  }

  /**
   * The job as it runs: Kafka in (rejects to the DLQ if {@code --dlq.topic} is given), HDFS out.
   */
  static void define(StreamExecutionEnvironment env, ParameterTool params) {
    String name = params.get("job.name", "archive");
    SingleOutputStreamOperator<Rating> ratings = Kafka.ratings(env, params, name);
    if (!params.get("dlq.topic", "").isEmpty()) {
      ratings
          .getSideOutput(RatingDecoder.REJECTED)
          .sinkTo(Kafka.deadLetterSink(params))
          .name("dead-letters")
          .uid("dead-letters");
    }
    pipeline(
        ratings,
        fileSink(
            params.get("output", "hdfs://127.0.0.1:9000/events/ratings"),
            params.getLong("roll.ms", 60_000),
            name));
  }

  /** Valid ratings as {@link ArchiveLine}s (uid to-csv) into the sink (uid hdfs-archive). */
  public static void pipeline(DataStream<Rating> ratings, Sink<String> archive) {
    ratings
        .map(ArchiveJob::line)
        .name("to-csv")
        .uid("to-csv")
        .sinkTo(archive)
        .name("hdfs-archive")
        .uid("hdfs-archive");
  }

  /** A rating's archive line. */
  static String line(Rating r) {
    return ArchiveLine.format(r.userId, r.movieId, r.rating, r.ratedAt, r.eventId);
  }

  /** Part files under {@code output/date=YYYY-MM-DD/}, rolled after {@code rollMs} or 128 MiB. */
  static FileSink<String> fileSink(String output, long rollMs, String name) {
    return FileSink.forRowFormat(new Path(output), new SimpleStringEncoder<String>())
        .withBucketAssigner(new IngestDate())
        .withRollingPolicy(
            DefaultRollingPolicy.builder()
                .withRolloverInterval(Duration.ofMillis(rollMs))
                .withInactivityInterval(Duration.ofMillis(rollMs))
                .withMaxPartSize(MemorySize.ofMebiBytes(128))
                .build())
        // the rolling policy's clock is only looked at every bucket check (60 s by default)
        .withBucketCheckInterval(Math.min(rollMs, 60_000))
        .withOutputFileConfig(
            OutputFileConfig.builder()
                .withPartPrefix("part-" + name)
                .withPartSuffix(".csv")
                .build())
        .build();
  }

  /** {@code date=YYYY-MM-DD} of the Kafka timestamp, in UTC. */
  static final class IngestDate implements BucketAssigner<String, String> {
    private static final DateTimeFormatter DAY =
        DateTimeFormatter.ofPattern("'date='yyyy-MM-dd").withZone(ZoneOffset.UTC);

    @Override
    public String getBucketId(String element, Context context) {
      Long timestamp = context.timestamp();
      return DAY.format(
          Instant.ofEpochMilli(timestamp == null ? context.currentProcessingTime() : timestamp));
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
      return SimpleVersionedStringSerializer.INSTANCE;
    }
  }
}
