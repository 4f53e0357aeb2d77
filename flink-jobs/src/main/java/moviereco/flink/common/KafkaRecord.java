package moviereco.flink.common;

/**
 * One Kafka record as it arrived, before decoding: what a dead letter needs to point at its origin.
 */
public class KafkaRecord {
  public String topic;
  public int partition;
  public long offset;

  /** the record's Kafka timestamp: when it entered the log */
  public long timestamp;

  public byte[] key;
  public byte[] value;

  public KafkaRecord() {}

  public KafkaRecord(
      String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
    this.timestamp = timestamp;
    this.key = key;
    this.value = value;
  }
}
