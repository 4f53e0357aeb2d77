package moviereco.flink.tools;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import moviereco.avro.RatingAction;
import moviereco.avro.RatingEvent;
import moviereco.avro.RatingSource;
import moviereco.contracts.ClientSecurity;
import moviereco.contracts.RatingRule;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The replay's Java baseline for {@code npm run bench:ingest}: the work of ingest/replay.ts done
 * with kafka-clients, so the two compare like for like (Kafka's ProducerPerformance sends
 * ready-made payloads without keys). Each ratings.csv line is parsed, checked by the rating rule,
 * made a RatingEvent (eventId {@code user:movie:ratedAtMs}, source REPLAY), encoded with Avro
 * single-object encoding by the class generated from schemas/, keyed by the user id in decimal (the
 * Java partitioner, as the Node clients use it), and sent with acks=all and idempotence. Rejected
 * lines are counted. Not a Flink job: a plain main run from the flink-jobs jar, which bundles
 * kafka-clients.
 *
 * <p>Flags: {@code --bootstrap.servers} (127.0.0.1:9092), {@code --client.security.file} (none:
 * plaintext), {@code --topic} (required), {@code --file} (required), {@code --limit} (every row),
 * {@code --max.future.skew.ms} (300000, as the TypeScript replay). Prints one JSON line: produced,
 * rejected, seconds.
 */
public final class JavaReplay {
  private JavaReplay() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = flags(args);
    String topic = required(flags, "topic");
    Path file = Path.of(required(flags, "file"));
    long limit = Long.parseLong(flags.getOrDefault("limit", String.valueOf(Long.MAX_VALUE)));
    long skew = Long.parseLong(flags.getOrDefault("max.future.skew.ms", "300000"));
    Properties props = ClientSecurity.load(flags.get("client.security.file")).kafkaProperties();
    props.put(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        flags.getOrDefault("bootstrap.servers", "127.0.0.1:9092"));
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());

    long now = System.currentTimeMillis();
    long started = System.nanoTime();
    long produced = 0;
    long rejected = 0;
    AtomicLong acked = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
        BufferedReader in =
            new BufferedReader(
                new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8),
                1 << 20)) {
      String line;
      boolean first = true;
      long lastReport = System.nanoTime();
      while (produced < limit && (line = in.readLine()) != null) {
        if (first) {
          first = false;
          if (line.startsWith("userId")) continue; // the header
        }
        RatingEvent event = event(line, now, skew);
        if (event == null) {
          rejected++;
          continue;
        }
        ByteBuffer value = RatingEvent.getEncoder().encode(event);
        byte[] bytes = new byte[value.remaining()];
        value.get(bytes);
        byte[] key = String.valueOf(event.getUserId()).getBytes(StandardCharsets.US_ASCII);
        producer.send(
            new ProducerRecord<>(topic, key, bytes),
            (metadata, error) -> {
              if (error != null) failure.compareAndSet(null, error);
              else acked.incrementAndGet();
            });
        produced++;
        if (failure.get() != null) throw failure.get();
        if (System.nanoTime() - lastReport > 5_000_000_000L) {
          lastReport = System.nanoTime();
          System.err.printf("java replay: %,d sent, %,d acknowledged%n", produced, acked.get());
        }
      }
      producer.flush();
    }
    if (failure.get() != null) throw failure.get();
    if (acked.get() != produced)
      throw new IllegalStateException(produced + " sent but " + acked.get() + " acknowledged");
    double seconds = (System.nanoTime() - started) / 1e9;
    // Locale.ROOT: a decimal point whatever the machine's locale, so the line stays JSON
    System.out.printf(
        Locale.ROOT,
        "{\"produced\":%d,\"rejected\":%d,\"seconds\":%.3f}%n",
        produced,
        rejected,
        seconds);
  }

  /** The line's event, or null when it is not a valid rating (the rule's check). */
  static RatingEvent event(String line, long now, long skew) {
    String[] f = line.split(",", -1);
    if (f.length != 4) return null;
    try {
      long user = Long.parseLong(f[0]);
      long movie = Long.parseLong(f[1]);
      float rating = Float.parseFloat(f[2]);
      long ratedAt = Long.parseLong(f[3].trim()) * 1000;
      if (RatingRule.problem(user, movie, rating, ratedAt, now, skew) != null) return null;
      return new RatingEvent(
          user + ":" + movie + ":" + ratedAt,
          user,
          movie,
          rating,
          Instant.ofEpochMilli(ratedAt),
          RatingSource.REPLAY,
          RatingAction.RATE);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Map<String, String> flags(String[] args) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--"))
        throw new IllegalArgumentException("expected --flag: " + args[i]);
      flags.put(args[i].substring(2), args[i + 1]);
    }
    return flags;
  }

  private static String required(Map<String, String> flags, String name) {
    String value = flags.get(name);
    if (value == null) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }
}
