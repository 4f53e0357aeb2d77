package moviereco.flink.speed;

/**
 * A model version the batch layer announced on model-updates (a Flink POJO, kept in broadcast
 * state).
 */
public class ModelRef {
  public String modelName;
  public String version;
  public String path;
  public long dataCutoff;

  public ModelRef() {}

  public ModelRef(String modelName, String version, String path, long dataCutoff) {
    this.modelName = modelName;
    this.version = version;
    this.path = path;
    this.dataCutoff = dataCutoff;
  }
}
