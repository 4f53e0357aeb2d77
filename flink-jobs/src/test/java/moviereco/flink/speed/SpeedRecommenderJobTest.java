package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import moviereco.avro.ModelPublished;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.KafkaRecord;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

class SpeedRecommenderJobTest {
  static final String[] FLAGS = {
    "--cassandra.request.timeout.ms",
    "10000",
    "--cassandra.deadline.ms",
    "30000",
    "--max.future.skew.ms",
    "300000"
  };

  /** uid → name of every operator of the job as main builds it (nothing connects until it runs). */
  static Map<String, String> operators(String... args) {
    ParameterTool params = ParameterTool.fromArgs(args);
    StreamExecutionEnvironment env = JobSetup.streaming(params);
    SpeedRecommenderJob.define(env, params);
    Map<String, String> out = new TreeMap<>();
    for (StreamNode node : env.getStreamGraph().getStreamNodes())
      out.put(String.valueOf(node.getTransformationUID()), node.getOperatorName());
    return out;
  }

  @Test
  void everyOperatorKeepsItsUidAndName() {
    Map<String, String> ops = operators(FLAGS);
    // the savepoint contract: these uids must never change
    for (String uid :
        List.of(
            "ratings-source",
            "decode",
            "dead-letters",
            "model-updates-source",
            "decode-model",
            "current-model-source",
            "read-current-model",
            "fold-in",
            "user-writes")) {
      assertTrue(ops.containsKey(uid), uid + " is missing from " + ops);
    }
    assertEquals("decode", ops.get("decode"));
    assertEquals("fold-in", ops.get("fold-in"));
    assertEquals("decode-model", ops.get("decode-model"));
    assertEquals("read-current-model", ops.get("read-current-model"));
    assertEquals("Source: current-model-source", ops.get("current-model-source"));
    assertTrue(ops.get("user-writes").startsWith("user-writes"), ops.get("user-writes"));
  }

  @Test
  void theCassandraTimeoutsAndTheFutureSkewMustBeGiven() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> operators("--cassandra.deadline.ms", "30000"));
    assertEquals(
        "missing --cassandra.request.timeout.ms (the Cassandra driver's timeout of one request)",
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> operators("--cassandra.request.timeout.ms", "10000"));
    assertTrue(e.getMessage().startsWith("missing --cassandra.deadline.ms"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                operators(
                    "--cassandra.request.timeout.ms", "10000", "--cassandra.deadline.ms", "30000"));
    assertTrue(e.getMessage().startsWith("missing --max.future.skew.ms"), e.getMessage());
  }

  @Test
  void decodeModelKeepsAnnouncementsOfItsModelAndSkipsTheRest() throws Exception {
    List<ModelSwitch> out = new ArrayList<>();
    Collector<ModelSwitch> collector =
        new Collector<>() {
          @Override
          public void collect(ModelSwitch r) {
            out.add(r);
          }

          @Override
          public void close() {}
        };
    SpeedRecommenderJob.DecodeModelSwitch decode = new SpeedRecommenderJob.DecodeModelSwitch("als");
    decode.flatMap(announcement("als", "v3"), collector);
    decode.flatMap(announcement("other", "v9"), collector);
    decode.flatMap(
        new KafkaRecord("model-updates", 0, 2, 0, null, "not avro".getBytes()), collector);
    assertEquals(1, out.size());
    assertEquals("v3", out.get(0).model.version);
    assertEquals("hdfs:///models/v3", out.get(0).model.path);
    assertEquals(5_000, out.get(0).model.dataCutoff);
    assertEquals(6_000, out.get(0).switchedAt, "switched when it was published");
    assertEquals("model-updates", out.get(0).origin);
  }

  static KafkaRecord announcement(String model, String version) throws Exception {
    ModelPublished p =
        ModelPublished.newBuilder()
            .setModelName(model)
            .setVersion(version)
            .setPublishedAt(Instant.ofEpochMilli(6_000))
            .setDataCutoff(Instant.ofEpochMilli(5_000))
            .setPath("hdfs:///models/" + version)
            .setRank(2)
            .build();
    ByteBuffer buffer = ModelPublished.getEncoder().encode(p);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return new KafkaRecord("model-updates", 0, 1, 0, null, bytes);
  }

  /** A prepared statement that records what it is bound to, under its name. */
  static PreparedStatement recording(String name, List<Object> bound) {
    return (PreparedStatement)
        Proxy.newProxyInstance(
            PreparedStatement.class.getClassLoader(),
            new Class<?>[] {PreparedStatement.class},
            (proxy, method, args) -> {
              if (!method.getName().equals("bind")) throw new UnsupportedOperationException();
              bound.add(name);
              bound.addAll(List.of((Object[]) args[0]));
              return boundStatement();
            });
  }

  /** A bound statement that is only counted, never executed. */
  static BoundStatement boundStatement() {
    return (BoundStatement)
        Proxy.newProxyInstance(
            BoundStatement.class.getClassLoader(),
            new Class<?>[] {BoundStatement.class},
            (proxy, method, args) -> {
              throw new UnsupportedOperationException(method.getName());
            });
  }

  @Test
  void aUserRatingIsWrittenWithItsRatedAtInMicrosecondsAsTheWriteTimestamp() {
    List<Object> bound = new ArrayList<>();
    List<PreparedStatement> statements =
        List.of(recording("insert", bound), recording("delete", bound));
    long ratedAt = 1_700_000_000_123L;
    SpeedRecommenderJob.bindUserRating(statements, new UserRatingRow(7, 42, 4.5f, ratedAt));
    assertEquals(
        List.of("insert", 7L, 42L, 4.5f, Instant.ofEpochMilli(ratedAt), 1_700_000_000_123_000L),
        bound);
  }

  @Test
  void aWindowsWritesGoAsOneUnloggedBatchAndASingleWriteAlone() {
    List<Object> bound = new ArrayList<>();
    List<PreparedStatement> statements =
        List.of(recording("insert", bound), recording("delete", bound), recording("speed", bound));
    UserRatingRow rated = new UserRatingRow(7, 42, 4.5f, 1_000);
    UserRatingRow deleted = new UserRatingRow(7, 43, 0f, 2_000);
    Statement<?> both =
        SpeedRecommenderJob.bindUserWrites(
            statements, new UserWrites(7, new UserRatingRow[] {rated, deleted}, null));
    BatchStatement batch = assertInstanceOf(BatchStatement.class, both);
    assertEquals(DefaultBatchType.UNLOGGED, batch.getBatchType());
    assertEquals(2, batch.size());
    assertEquals(List.of("insert", "delete"), names(bound));

    bound.clear();
    Statement<?> one =
        SpeedRecommenderJob.bindUserWrites(
            statements, new UserWrites(7, new UserRatingRow[] {rated}, null));
    assertInstanceOf(BoundStatement.class, one, "a single statement is not batched");
    assertEquals(List.of("insert"), names(bound));
  }

  static List<Object> names(List<Object> bound) {
    return bound.stream().filter(x -> x instanceof String).toList();
  }

  @Test
  void aDeletionDeletesTheRowAsOfItsTime() {
    List<Object> bound = new ArrayList<>();
    List<PreparedStatement> statements =
        List.of(recording("insert", bound), recording("delete", bound));
    SpeedRecommenderJob.bindUserRating(
        statements, new UserRatingRow(7, 42, 0f, 1_700_000_000_123L));
    assertEquals(List.of("delete", 1_700_000_000_123_000L, 7L, 42L), bound);
  }

  @Test
  void theCurrentModelIsReadOnceFromTheStoreAndAFailedReadFailsTheTask() throws Exception {
    List<ModelSwitch> out = new ArrayList<>();
    Collector<ModelSwitch> collector =
        new Collector<>() {
          @Override
          public void collect(ModelSwitch r) {
            out.add(r);
          }

          @Override
          public void close() {}
        };
    ModelSwitch stored =
        new ModelSwitch(new ModelRef("als", "v2", "hdfs:///models/v2", 5_000), 9_000, "x");
    new SpeedRecommenderJob.ReadCurrentModel(
            name -> name.equals("als") ? Optional.of(stored) : Optional.empty())
        .flatMap("als", collector);
    new SpeedRecommenderJob.ReadCurrentModel(name -> Optional.empty()).flatMap("als", collector);
    assertEquals(List.of(stored), out, "no pointer: nothing");
    SpeedRecommenderJob.ReadCurrentModel failing =
        new SpeedRecommenderJob.ReadCurrentModel(
            name -> {
              throw new TimeoutException("reading the current_model pointer did not complete");
            });
    assertThrows(TimeoutException.class, () -> failing.flatMap("als", collector));
  }
}
