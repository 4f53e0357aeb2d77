package moviereco.flink.common;

import java.time.Duration;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What every streaming job sets up the same way. Flags: {@code --checkpoint.interval.ms} (10000),
 * {@code --buffer.timeout.ms} (100, Flink's default: how long a network buffer waits to fill before
 * it is sent on; at a few hundred events a second a buffer never fills, so this is the delay each
 * shuffle adds), {@code --max.parallelism} (128: fixed, so that a rescale through a savepoint keeps
 * key groups), {@code --checkpoint.dir} (unset: the cluster's {@code state.checkpoints.dir}; the
 * control plane passes {@code <FLINK_CHECKPOINTS_DIR>/<job name>}, so that a job's retained
 * checkpoints, in {@code <dir>/<job id>/chk-N}, can be found by its name after the JobManager
 * forgot the job). The flags become the job's global parameters, so the control plane can read them
 * back over REST ({@code GET /jobs/:id/config}) and tell whether a running job matches its
 * declaration.
 */
public final class JobSetup {
  private JobSetup() {}

  public static StreamExecutionEnvironment streaming(ParameterTool params) {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.getConfig().setGlobalJobParameters(params);
    env.setMaxParallelism(params.getInt("max.parallelism", 128));
    env.setBufferTimeout(params.getLong("buffer.timeout.ms", 100));
    env.enableCheckpointing(
        params.getLong("checkpoint.interval.ms", 10_000), CheckpointingMode.EXACTLY_ONCE);
    env.getCheckpointConfig()
        .setMinPauseBetweenCheckpoints(params.getLong("checkpoint.min.pause.ms", 1_000));
    env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(5).toMillis());
    String dir = params.get("checkpoint.dir");
    if (dir != null && !dir.isEmpty()) {
      Configuration storage = new Configuration();
      storage.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir);
      env.configure(storage);
    }
    return env;
  }

  /** Defines a job's operators on an environment, from its flags. */
  @FunctionalInterface
  public interface Definition {
    void define(StreamExecutionEnvironment env, ParameterTool params);
  }

  /**
   * A streaming job's {@code main}: its flags, the environment ({@link #streaming}), the job
   * defined on it, run under {@code --job.name} (else {@code defaultName}).
   */
  public static void run(String[] args, String defaultName, Definition job) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    StreamExecutionEnvironment env = streaming(params);
    job.define(env, params);
    env.execute(params.get("job.name", defaultName));
  }

  /** The name of a sliding window in the rows a job writes, e.g. {@code 60m/5m}. */
  public static String windowName(long sizeMinutes, long slideMinutes) {
    return sizeMinutes + "m/" + slideMinutes + "m";
  }

  /** A required flag, with a message that names it. */
  public static String required(ParameterTool params, String name, String what) {
    String value = params.get(name);
    if (value == null || value.isEmpty())
      throw new IllegalArgumentException("missing --" + name + " (" + what + ")");
    return value;
  }
}
