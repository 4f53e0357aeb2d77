package moviereco.flink.tools;

import java.util.UUID;
import moviereco.avro.ReleasedSchemas;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.AbstractDeserializationSchema;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;

/**
 * Reads a topic from its earliest to its latest offsets, decodes every value as a RatingEvent with
 * the Java classes generated from schemas/, and writes {@code "<name> <count>"} lines: records,
 * valid, invalid, distinct-event-ids. It checks from Java what TypeScript produced.
 *
 * <p>Flags: {@code --bootstrap.servers} (default 127.0.0.1:9092), {@code --client.security.file}
 * (none: plaintext), {@code --topic} (default ratings), {@code --output <dir>} (required).
 */
public final class CountRatingsJob {
  private CountRatingsJob() {}

  /** The raw value bytes; decoding happens in the job so that failures can be counted. */
  static final class RawBytes extends AbstractDeserializationSchema<byte[]> {
    @Override
    public byte[] deserialize(byte[] message) {
      return message == null ? new byte[0] : message;
    }
  }

  /** eventId of a decodable RatingEvent, or null. */
  static String eventIdOf(byte[] value) {
    try {
      return ReleasedSchemas.RATING_EVENTS.decode(value).getEventId();
    } catch (Exception e) {
      return null;
    }
  }

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    KafkaSource<byte[]> source =
        KafkaSource.<byte[]>builder()
            .setBootstrapServers(params.get("bootstrap.servers", "127.0.0.1:9092"))
            .setProperties(moviereco.flink.common.Kafka.security(params))
            .setTopics(params.get("topic", "ratings"))
            .setGroupId("count-ratings-" + UUID.randomUUID())
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setBounded(OffsetsInitializer.latest())
            .setValueOnlyDeserializer(new RawBytes())
            .build();

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    DataStream<String> ids =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "ratings")
            .uid("ratings-source")
            .map(
                bytes -> {
                  String id = eventIdOf(bytes);
                  return id == null ? "" : id;
                })
            .name("decode")
            .uid("decode");

    DataStream<Tuple2<String, Long>> records =
        ids.map(id -> Tuple2.of("records", 1L))
            .returns(Types.TUPLE(Types.STRING, Types.LONG))
            .name("records")
            .uid("records");
    DataStream<Tuple2<String, Long>> validity =
        ids.map(id -> Tuple2.of(id.isEmpty() ? "invalid" : "valid", 1L))
            .returns(Types.TUPLE(Types.STRING, Types.LONG))
            .name("validity")
            .uid("validity");
    DataStream<Tuple2<String, Long>> distinct =
        ids.filter(id -> !id.isEmpty())
            .name("valid-only")
            .uid("valid-only")
            .keyBy(id -> id)
            .reduce((a, b) -> a)
            .name("distinct")
            .uid("distinct")
            .map(id -> Tuple2.of("distinct-event-ids", 1L))
            .returns(Types.TUPLE(Types.STRING, Types.LONG))
            .name("distinct-count")
            .uid("distinct-count");

    records
        .union(validity, distinct)
        .keyBy(t -> t.f0)
        .sum(1)
        .name("totals")
        .uid("totals")
        .map(t -> t.f0 + " " + t.f1)
        .name("format")
        .uid("format")
        .sinkTo(
            FileSink.forRowFormat(
                    new Path(params.getRequired("output")), new SimpleStringEncoder<String>())
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .build())
        .name("file-sink")
        .uid("file-sink");
    env.execute("count-ratings");
  }
}
