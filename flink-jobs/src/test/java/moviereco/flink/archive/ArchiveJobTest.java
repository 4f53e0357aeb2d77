package moviereco.flink.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.TreeSet;
import moviereco.flink.common.JobSetup;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class ArchiveJobTest {
  static Set<String> uids(String... args) {
    // a local output: the HDFS file system is the cluster's, not on the test's classpath
    ParameterTool params = ParameterTool.fromArgs(new String[] {"--output", "file:///tmp/archive-job-test", "--max.future.skew.ms", "300000"}).mergeWith(ParameterTool.fromArgs(args));
    StreamExecutionEnvironment env = JobSetup.streaming(params);
    ArchiveJob.define(env, params);
    Set<String> out = new TreeSet<>();
    for (StreamNode node : env.getStreamGraph().getStreamNodes()) out.add(String.valueOf(node.getTransformationUID()));
    return out;
  }

  @Test
  void everyOperatorKeepsItsUid() {
    // the savepoint contract: these uids must never change (the file sink adds its committer's)
    Set<String> uids = uids();
    for (String uid : new String[] {"ratings-source", "decode", "to-csv", "hdfs-archive"}) assertEquals(true, uids.contains(uid), uid + " in " + uids);
    assertEquals(false, uids.contains("dead-letters"));
    assertEquals(true, uids("--dlq.topic", "ratings-dlq").contains("dead-letters"));
  }
}
