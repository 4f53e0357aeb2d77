package moviereco.flink.speed;

import java.io.Serializable;
import java.util.Optional;

/**
 * Where the speed recommender reads the current model once at start, beside the announcements on
 * model-updates: Cassandra's {@code current_model} pointer and its {@code models} row in the job
 * ({@link CassandraCurrentModelReader}), anything in tests. Empty when there is no current model
 * (no batch has run yet). A store that does not answer throws: the task fails and Flink restarts
 * it.
 */
public interface CurrentModelReader extends Serializable {
  Optional<ModelSwitch> read(String modelName) throws Exception;
}
