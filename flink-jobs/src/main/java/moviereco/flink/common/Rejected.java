package moviereco.flink.common;

/** A record that could not be processed, with the reason: becomes a DeadLetter on the DLQ topic. */
public class Rejected {
  public String reason;
  public String stage;
  public KafkaRecord origin;
  public long failedAt;

  public Rejected() {}

  public Rejected(String reason, String stage, KafkaRecord origin, long failedAt) {
    this.reason = reason;
    this.stage = stage;
    this.origin = origin;
    this.failedAt = failedAt;
  }
}
