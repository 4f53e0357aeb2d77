package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import moviereco.flink.cassandra.CassandraOptions;
import org.junit.jupiter.api.Test;

/** The stored current model: what a pointer and its row become, and a store that never answers. */
class CassandraCurrentModelReaderTest {
  @Test
  void aPointerAndItsModelRowBecomeASwitchAtTheSwitchTime() {
    ModelSwitch s =
        CassandraCurrentModelReader.toSwitch(
                "als",
                "20261125T120000Z",
                Instant.ofEpochMilli(9_000),
                "hdfs://nn:9000/models/als/20261125T120000Z",
                Instant.ofEpochMilli(5_000),
                Map.of("ndcg@10", 0.24))
            .orElseThrow();
    assertEquals("als", s.model.modelName);
    assertEquals("20261125T120000Z", s.model.version);
    assertEquals("hdfs://nn:9000/models/als/20261125T120000Z", s.model.path);
    assertEquals(5_000, s.model.dataCutoff);
    assertEquals(9_000, s.switchedAt);
    assertEquals("current_model", s.origin);
  }

  @Test
  void noPointerOrNoUsableModelRowIsNoModel() {
    assertTrue(CassandraCurrentModelReader.toSwitch("als", null, null, null, null, null).isEmpty());
    assertTrue(
        CassandraCurrentModelReader.toSwitch("als", "v1", Instant.EPOCH, null, null, null)
            .isEmpty());
  }

  @Test
  void aPointerWithoutASwitchTimeLosesToEveryAnnouncement() {
    ModelSwitch s =
        CassandraCurrentModelReader.toSwitch(
                "als", "v2", null, "hdfs:///m/v2", Instant.ofEpochMilli(5_000), null)
            .orElseThrow();
    assertEquals(ModelSwitch.UNKNOWN, s.switchedAt);
    assertTrue(
        new ModelSwitch(new ModelRef("als", "v1", "p", 1), 0, "model-updates")
            .supersedes(s.model, s.switchedAt));
  }

  @Test
  void aStoreThatDoesNotAnswerFailsTheReadAtTheDeadline() throws Exception {
    // accepts connections and never says a word
    try (ServerSocket silent = new ServerSocket(0)) {
      CassandraOptions options =
          new CassandraOptions(
              "127.0.0.1:" + silent.getLocalPort(),
              "datacenter1",
              "moviereco",
              "LOCAL_QUORUM",
              200,
              500,
              moviereco.contracts.ClientSecurity.NONE);
      long start = System.nanoTime();
      TimeoutException e =
          assertThrows(
              TimeoutException.class, () -> new CassandraCurrentModelReader(options).read("als"));
      assertTrue(
          e.getMessage().startsWith("connecting to Cassandra at 127.0.0.1:"), e.getMessage());
      assertTrue(e.getMessage().endsWith("did not complete within 500 ms"), e.getMessage());
      assertTrue(System.nanoTime() - start < 10_000_000_000L);
    }
  }
}
