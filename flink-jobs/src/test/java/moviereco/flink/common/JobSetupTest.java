package moviereco.flink.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class JobSetupTest {
  @Test
  @SuppressWarnings("deprecation")
  void checkpointDirFlagSetsTheJobsCheckpointStorage() {
    StreamExecutionEnvironment env =
        JobSetup.streaming(
            ParameterTool.fromArgs(
                new String[] {"--checkpoint.dir", "file:///tmp/checkpoints/speed-recommender"}));
    FileSystemCheckpointStorage storage =
        assertInstanceOf(
            FileSystemCheckpointStorage.class, env.getCheckpointConfig().getCheckpointStorage());
    assertEquals("file:/tmp/checkpoints/speed-recommender", storage.getCheckpointPath().toString());
    assertEquals(10_000, env.getCheckpointConfig().getCheckpointInterval());
  }

  @Test
  @SuppressWarnings("deprecation")
  void withoutTheFlagTheClustersDirectoryApplies() {
    StreamExecutionEnvironment env = JobSetup.streaming(ParameterTool.fromArgs(new String[] {}));
    assertNull(env.getCheckpointConfig().getCheckpointStorage());
  }
}
