package moviereco.flink.trending;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import moviereco.flink.common.JobSetup;
import org.apache.flink.api.java.utils.ParameterTool;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

class TrendingJobTest {
  @Test
  void everyOperatorKeepsItsUid() {
    ParameterTool params =
        ParameterTool.fromArgs(
            new String[] {
              "--cassandra.request.timeout.ms",
              "10000",
              "--cassandra.deadline.ms",
              "30000",
              "--max.future.skew.ms",
              "300000"
            });
    StreamExecutionEnvironment env = JobSetup.streaming(params);
    TrendingJob.define(env, params);
    Set<String> uids = new TreeSet<>();
    for (StreamNode node : env.getStreamGraph().getStreamNodes())
      uids.add(String.valueOf(node.getTransformationUID()));
    for (String uid :
        new String[] {
          "ratings-source", "decode", "event-time", "count-per-movie", "top-movies", "trending-view"
        }) assertTrue(uids.contains(uid), uid + " in " + uids);
  }

  @Test
  void theWindowsNameIsSizeAndSlide() {
    assertEquals(
        "1440m/60m", TrendingJob.Settings.from(ParameterTool.fromArgs(new String[0])).window());
    assertEquals(
        "60m/5m",
        TrendingJob.Settings.from(
                ParameterTool.fromArgs(
                    new String[] {"--window.size.minutes", "60", "--window.slide.minutes", "5"}))
            .window());
  }
}
