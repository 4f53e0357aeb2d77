package moviereco.spark.als;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.spark.connector.cql.CassandraConnector;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import moviereco.avro.ModelPublished;
import moviereco.contracts.Cql;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The switch, once every row of a version is written: mark it COMPLETE, point current_model at it,
 * and announce it on Kafka (ModelPublished) when brokers are given.
 */
final class ModelSwitch {
  private ModelSwitch() {}

  static void run(
      CassandraConnector cassandra,
      JobOptions o,
      String modelPath,
      long dataCutoff,
      Map<String, Double> metrics,
      Map<String, Long> counts)
      throws Exception {
    if (o.pauseBeforeSwitchMs > 0) {
      System.out.println("PAUSE before switch " + o.pauseBeforeSwitchMs + " ms");
      Thread.sleep(o.pauseBeforeSwitchMs);
    }
    try (CqlSession session = cassandra.openSession()) {
      session.execute(Cql.completeModel(o.keyspace), counts, o.modelName, o.version);
      session.execute(Cql.insertCurrentModel(o.keyspace), o.modelName, o.version, Instant.now());
    }
    if (!o.kafkaBrokers.isEmpty()) announce(o, modelPath, dataCutoff, metrics);
  }

  static void announce(JobOptions o, String modelPath, long dataCutoff, Map<String, Double> metrics)
      throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", o.kafkaBrokers);
    props.put("acks", "all");
    props.put("enable.idempotence", "true");
    props.put("key.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    props.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
    ModelPublished event =
        ModelPublished.newBuilder()
            .setModelName(o.modelName)
            .setVersion(o.version)
            .setPublishedAt(Instant.now())
            .setDataCutoff(Instant.ofEpochMilli(dataCutoff))
            .setPath(modelPath)
            .setRank(o.rank)
            .setMetrics(new HashMap<>(metrics))
            .build();
    ByteBuffer bytes = ModelPublished.getEncoder().encode(event);
    byte[] value = new byte[bytes.remaining()];
    bytes.get(value);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      producer
          .send(
              new ProducerRecord<>(
                  o.updatesTopic, o.modelName.getBytes(StandardCharsets.UTF_8), value))
          .get();
    }
  }
}
