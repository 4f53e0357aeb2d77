package moviereco.flink.common;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Properties;
import moviereco.avro.DeadLetter;
import moviereco.contracts.ClientSecurity;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Kafka sources and sinks as the jobs use them. Flags: {@code --bootstrap.servers}
 * (127.0.0.1:9092), {@code --group.id} (the job's name), {@code --starting.offsets} (committed: the
 * group's committed offsets, else earliest | earliest | latest | a timestamp in ms), and, for the
 * rating decoder, {@code --max.future.skew.ms} (required; see {@link #maxFutureSkewMs}). Offsets
 * live in checkpoints and are committed to Kafka on each checkpoint (for lag monitoring). Every
 * client takes the {@code kafka.*} properties of {@code --client.security.file} (SASL, TLS; see
 * {@link ClientSecurity}); without it, plaintext.
 */
public final class Kafka {
  private Kafka() {}

  /**
   * The {@code --ratings.topic} (ratings) as valid ratings: a Kafka source (uid ratings-source) and
   * the decoder (uid decode), whose rejects are on {@link RatingDecoder#REJECTED}.
   */
  public static SingleOutputStreamOperator<Rating> ratings(
      StreamExecutionEnvironment env, ParameterTool params, String jobName) {
    return decode(rawRatings(env, params, jobName), jobName, maxFutureSkewMs(params));
  }

  /**
   * {@code --max.future.skew.ms}, required: how far ahead of the decoder's clock a rating's time
   * may be (the shared RatingRule; the other layers are given the same value).
   */
  public static long maxFutureSkewMs(ParameterTool params) {
    String value =
        JobSetup.required(
            params, "max.future.skew.ms", "how far ahead of now a rating's time may be");
    try {
      long skew = Long.parseLong(value.trim());
      if (skew >= 0) return skew;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "--max.future.skew.ms must be a number of milliseconds, 0 or more, not " + value);
  }

  /** The {@code --ratings.topic} (ratings) as raw records: the Kafka source, uid ratings-source. */
  public static DataStream<KafkaRecord> rawRatings(
      StreamExecutionEnvironment env, ParameterTool params, String jobName) {
    return env.fromSource(
            rawSource(params, params.get("ratings.topic", "ratings"), jobName),
            WatermarkStrategy.noWatermarks(),
            "ratings-source")
        .uid("ratings-source");
  }

  /**
   * Raw records as valid ratings: the decoder (uid decode), whose rejects are on {@link
   * RatingDecoder#REJECTED}.
   */
  public static SingleOutputStreamOperator<Rating> decode(
      DataStream<KafkaRecord> records, String jobName, long maxFutureSkewMs) {
    return records
        .process(new RatingDecoder(jobName, maxFutureSkewMs))
        .name("decode")
        .uid("decode");
  }

  /** The Kafka client properties of {@code --client.security.file}; none without the flag. */
  public static Properties security(ParameterTool params) {
    return ClientSecurity.load(params.get("client.security.file")).kafkaProperties();
  }

  /** Raw records, not decoded: decoding is an operator, so that failures can be dead-lettered. */
  public static KafkaSource<KafkaRecord> rawSource(
      ParameterTool params, String topic, String defaultGroupId) {
    return KafkaSource.<KafkaRecord>builder()
        .setBootstrapServers(params.get("bootstrap.servers", "127.0.0.1:9092"))
        .setProperties(security(params))
        .setTopics(topic)
        .setGroupId(params.get("group.id", defaultGroupId))
        .setStartingOffsets(startingOffsets(params.get("starting.offsets", "committed")))
        .setDeserializer(new RawRecordSchema())
        .setProperty("commit.offsets.on.checkpoint", "true")
        .setProperty("partition.discovery.interval.ms", "60000")
        .build();
  }

  static OffsetsInitializer startingOffsets(String value) {
    return switch (value) {
      case "committed" -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
      case "earliest" -> OffsetsInitializer.earliest();
      case "latest" -> OffsetsInitializer.latest();
      default -> {
        try {
          yield OffsetsInitializer.timestamp(Long.parseLong(value));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "--starting.offsets must be committed, earliest, latest or a timestamp in ms, not "
                  + value);
        }
      }
    };
  }

  /**
   * Dead letters to {@code --dlq.topic} (ratings-dlq), keyed by the original key, at least once.
   */
  public static KafkaSink<Rejected> deadLetterSink(ParameterTool params) {
    String topic = params.get("dlq.topic", "ratings-dlq");
    Properties props = security(params);
    props.setProperty("enable.idempotence", "true");
    return KafkaSink.<Rejected>builder()
        .setBootstrapServers(params.get("bootstrap.servers", "127.0.0.1:9092"))
        .setKafkaProducerConfig(props)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .setRecordSerializer(
            (KafkaRecordSerializationSchema<Rejected>)
                (r, context, timestamp) ->
                    new ProducerRecord<>(topic, null, r.failedAt, r.origin.key, encode(r)))
        .build();
  }

  /** A rejected record as the DeadLetter contract (single-object encoding). */
  public static byte[] encode(Rejected r) {
    DeadLetter letter =
        DeadLetter.newBuilder()
            .setReason(r.reason)
            .setStage(r.stage)
            .setOriginTopic(r.origin.topic)
            .setOriginPartition(r.origin.partition)
            .setOriginOffset(r.origin.offset)
            .setOriginTimestamp(Instant.ofEpochMilli(r.origin.timestamp))
            .setOriginKey(r.origin.key == null ? null : ByteBuffer.wrap(r.origin.key))
            .setPayload(r.origin.value == null ? null : ByteBuffer.wrap(r.origin.value))
            .setFailedAt(Instant.ofEpochMilli(r.failedAt))
            .build();
    try {
      ByteBuffer buffer = DeadLetter.getEncoder().encode(letter);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static final class RawRecordSchema implements KafkaRecordDeserializationSchema<KafkaRecord> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<KafkaRecord> out) {
      out.collect(
          new KafkaRecord(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
    }

    @Override
    public TypeInformation<KafkaRecord> getProducedType() {
      return TypeInformation.of(KafkaRecord.class);
    }
  }
}
