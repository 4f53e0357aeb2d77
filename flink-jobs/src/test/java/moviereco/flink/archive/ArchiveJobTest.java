package moviereco.flink.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.TreeSet;
import moviereco.contracts.ArchiveLine;
import moviereco.flink.common.JobSetup;
import moviereco.flink.common.Rating;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class ArchiveJobTest {
  static Set<String> uids(String... args) {
    // a local output: the HDFS file system is the cluster's, not on the test's classpath
    ParameterTool params =
        ParameterTool.fromArgs(
                new String[] {
                  "--output", "file:///tmp/archive-job-test", "--max.future.skew.ms", "300000"
                })
            .mergeWith(ParameterTool.fromArgs(args));
    StreamExecutionEnvironment env = JobSetup.streaming(params);
    ArchiveJob.define(env, params);
    Set<String> out = new TreeSet<>();
    for (StreamNode node : env.getStreamGraph().getStreamNodes())
      out.add(String.valueOf(node.getTransformationUID()));
    return out;
  }

  @Test
  void everyOperatorKeepsItsUid() {
    // the savepoint contract: these uids must never change (the file sink adds its committer's)
    Set<String> uids = uids();
    for (String uid : new String[] {"ratings-source", "decode", "to-csv", "hdfs-archive"})
      assertEquals(true, uids.contains(uid), uid + " in " + uids);
    assertEquals(false, uids.contains("dead-letters"));
    assertEquals(true, uids("--dlq.topic", "ratings-dlq").contains("dead-letters"));
  }

  @Test
  void aRatingBecomesTheArchiveLineTheBatchJobReads() {
    String line =
        ArchiveJob.line(new Rating("e-1", 42, 318, 4.5f, 1_700_000_000_000L, 1_700_000_000_500L));
    assertEquals("42,318,4.5,1700000000000,e-1", line);
    assertEquals(
        new ArchiveLine(42, 318, 4.5f, 1_700_000_000_000L, "e-1"), ArchiveLine.parse(line));
    assertEquals("7,1,4.0,0,x", ArchiveJob.line(new Rating("x", 7, 1, 4f, 0, 0)));
  }
}
