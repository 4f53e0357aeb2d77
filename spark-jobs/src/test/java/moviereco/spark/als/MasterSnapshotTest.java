package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

class MasterSnapshotTest {
  private static Map<String, Long> files(Object... pathsAndLengths) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndLengths.length; i += 2)
      out.put((String) pathsAndLengths[i], ((Number) pathsAndLengths[i + 1]).longValue());
    return out;
  }

  @Test
  void theInputsSurviveTheirFile() {
    var inputs =
        new MasterSnapshot.Inputs(
            "/movielens/ml/ratings.csv",
            files("/events/ratings/date=1/part-0", 120, "/events/ratings/date=2/part 1", 7));
    assertEquals(inputs, MasterSnapshot.Inputs.parse(inputs.format()));
  }

  @Test
  void aFileIsReadAgainOnlyWhenNewOrOfAnotherLength() {
    var covered = new MasterSnapshot.Inputs("/h", files("/e/a", 10, "/e/b", 20));
    // a: covered; b: grew (read again: its rows are merged by their latest event); c: new
    assertEquals(
        List.of("/e/b", "/e/c"), covered.notCovered(files("/e/a", 10, "/e/b", 25, "/e/c", 5)));
    // a file the archive no longer holds is no concern: its rows are in the snapshot
    assertEquals(List.of(), covered.notCovered(files("/e/b", 20)));
  }

  @Test
  void aLineOfAnotherShapeIsAnError() {
    assertThrows(
        IllegalArgumentException.class,
        () -> MasterSnapshot.Inputs.parse("history\t/h\nevent\t/e/a\n"));
    assertThrows(
        IllegalArgumentException.class, () -> MasterSnapshot.Inputs.parse("event\t1\t/e/a\n"));
  }

  @Test
  void filesBeingWrittenAndMarkersAreLeftOutAsSparkLeavesThemOut() {
    Path root = new Path("hdfs://nn:9000/events/ratings");
    assertFalse(
        MasterSnapshot.hidden(new Path("hdfs://nn:9000/events/ratings/date=1/part-0"), root));
    assertTrue(
        MasterSnapshot.hidden(
            new Path("hdfs://nn:9000/events/ratings/date=1/.part-0.inprogress"), root));
    assertTrue(MasterSnapshot.hidden(new Path("hdfs://nn:9000/events/ratings/_SUCCESS"), root));
    assertTrue(MasterSnapshot.hidden(new Path("hdfs://nn:9000/events/ratings/_tmp/part-0"), root));
  }
}
