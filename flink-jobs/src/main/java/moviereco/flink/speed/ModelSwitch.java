package moviereco.flink.speed;

/**
 * A switch to a model version, as the speed recommender learns of it: the version's reference and
 * when the batch layer switched to it. From {@code model-updates} (a {@code ModelPublished}: its
 * {@code publishedAt}) or, read once at job start, from Cassandra's {@code current_model} pointer
 * (its {@code switched_at}). The switch made last wins, whatever order they arrive in ({@link
 * #supersedes}); a rollback is a later switch to an older version. A Flink POJO (it travels on the
 * model broadcast; only the {@link ModelRef} and the time are kept in state).
 */
public class ModelSwitch {
  /** The time of a switch that has none: earlier than every real one. */
  public static final long UNKNOWN = Long.MIN_VALUE;

  public ModelRef model;

  /** When the batch layer switched to the version (epoch ms), or {@link #UNKNOWN}. */
  public long switchedAt;

  /** Where it came from, for the log: {@code model-updates} or {@code current_model}. */
  public String origin;

  public ModelSwitch() {}

  public ModelSwitch(ModelRef model, long switchedAt, String origin) {
    this.model = model;
    this.switchedAt = switchedAt;
    this.origin = origin;
  }

  /**
   * Whether this switch replaces the current one ({@code current} null: there is none; {@code
   * currentAt}: its switch time, {@link #UNKNOWN} for state restored from a job that did not keep
   * it). The later switch wins; on the same instant the greater version, only so that the choice
   * never depends on arrival order. Versions are not compared otherwise: a rollback announces an
   * older version at a later time.
   */
  public boolean supersedes(ModelRef current, long currentAt) {
    if (current == null) return true;
    if (switchedAt != currentAt) return switchedAt > currentAt;
    return model.version.compareTo(current.version) > 0;
  }

  @Override
  public String toString() {
    return model.modelName
        + " "
        + model.version
        + " switched at "
        + switchedAt
        + " ("
        + origin
        + ")";
  }
}
