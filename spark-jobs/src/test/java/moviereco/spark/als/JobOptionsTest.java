package moviereco.spark.als;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import moviereco.contracts.Json;
import org.junit.jupiter.api.Test;

class JobOptionsTest {
  /** The flags' contract with the TypeScript runner: schemas/contracts/batch-job-flags.json. */
  @Test
  void declaresTheFlagsOfTheSharedContract() throws Exception {
    Map<String, Object> contract =
        Json.parseObject(Files.readString(Path.of("../schemas/contracts/batch-job-flags.json")));
    List<String> required = new ArrayList<>();
    for (Object flag : (List<?>) contract.get("required")) required.add((String) flag);
    List<String> optional = new ArrayList<>();
    for (Object flag : (List<?>) contract.get("optional")) optional.add((String) flag);
    assertEquals(
        required.stream().sorted().toList(),
        JobOptions.FLAGS.stream().filter(f -> !JobOptions.OPTIONAL.contains(f)).sorted().toList());
    assertEquals(
        optional.stream().sorted().toList(), JobOptions.OPTIONAL.stream().sorted().toList());
  }

  /** Every required flag, as the runner passes them. */
  static Map<String, String> required() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("history", "/movielens/ml-latest-small/ratings.csv");
    m.put("events", "/events/ratings");
    m.put("models", "/models/als");
    m.put("keyspace", "moviereco");
    m.put("model-name", "als");
    m.put("version", "v1");
    m.put("rank", "12");
    m.put("reg", "0.15");
    m.put("iterations", "20");
    m.put("implicit", "false");
    m.put("biases", "true");
    m.put("alpha", "1.0");
    m.put("split", "random");
    m.put("test-fraction", "0.2");
    m.put("seed", "42");
    m.put("top-n", "100");
    m.put("similar-n", "20");
    m.put("ranking-users", "20000");
    m.put("final-fit", "all");
    m.put("max-future-skew-ms", "300000");
    m.put("shuffle-partitions", "0");
    m.put("als-blocks", "6");
    return m;
  }

  static String[] args(Map<String, String> flags, String... extra) {
    List<String> out = new ArrayList<>();
    flags.forEach(
        (k, v) -> {
          out.add("--" + k);
          out.add(v);
        });
    out.addAll(List.of(extra));
    return out.toArray(new String[0]);
  }

  @Test
  void readsEveryFlag() {
    JobOptions o =
        JobOptions.parse(args(required(), "--cutoff", "1500000000000", "--evaluate-only", "true"));
    assertEquals("/movielens/ml-latest-small/ratings.csv", o.historyPath);
    assertEquals("/events/ratings", o.eventsPath);
    assertEquals("/models/als", o.modelsPath);
    assertEquals("moviereco", o.keyspace);
    assertEquals("als", o.modelName);
    assertEquals("v1", o.version);
    assertEquals(1_500_000_000_000L, o.cutoff);
    assertEquals(12, o.rank);
    assertEquals(0.15, o.reg);
    assertEquals(20, o.iterations);
    assertFalse(o.implicit);
    assertTrue(o.biases);
    assertEquals(1.0, o.alpha);
    assertEquals("random", o.split);
    assertEquals(0.2, o.testFraction);
    assertEquals(42, o.seed);
    assertEquals(100, o.topN);
    assertEquals(20, o.similarN);
    assertEquals(20_000, o.rankingUsers);
    assertEquals("all", o.finalFit);
    assertEquals(300_000, o.maxFutureSkewMs);
    assertEquals(0, o.shufflePartitions);
    assertEquals(6, o.alsBlocks);
    assertTrue(o.evaluateOnly);
  }

  @Test
  void optionalFlagsMayBeLeftOut() {
    JobOptions o = JobOptions.parse(args(required()));
    assertEquals(0, o.cutoff);
    assertFalse(o.evaluateOnly);
  }

  @Test
  void aMissingRequiredFlagIsNamed() {
    Map<String, String> flags = required();
    flags.remove("seed");
    flags.remove("similar-n");
    var e = assertThrows(IllegalArgumentException.class, () -> JobOptions.parse(args(flags)));
    assertEquals("missing required flags: --seed, --similar-n", e.getMessage());
  }

  @Test
  void everyFlagButTheOptionalOnesIsRequired() {
    for (String flag : required().keySet()) {
      Map<String, String> flags = required();
      flags.remove(flag);
      var e =
          assertThrows(IllegalArgumentException.class, () -> JobOptions.parse(args(flags)), flag);
      assertTrue(e.getMessage().contains("--" + flag), e.getMessage());
    }
    assertEquals(JobOptions.FLAGS.size(), required().size() + JobOptions.OPTIONAL.size());
  }

  @Test
  void finalFitIsAutoAllOrTrain() {
    for (String fit : List.of("auto", "all", "train"))
      assertEquals(fit, JobOptions.parse(args(required(), "--final-fit", fit)).finalFit);
  }

  @Test
  void theLastValueOfARepeatedFlagWins() {
    assertEquals(30, JobOptions.parse(args(required(), "--rank", "30")).rank);
  }

  @Test
  void rejectsUnknownFlagsBadValuesAndBrokenPairs() {
    assertThrows(
        IllegalArgumentException.class, () -> JobOptions.parse(args(required(), "--rnak", "3")));
    assertThrows(
        IllegalArgumentException.class,
        () -> JobOptions.parse(args(required(), "--split", "sideways")));
    assertThrows(
        IllegalArgumentException.class,
        () -> JobOptions.parse(args(required(), "--final-fit", "some")));
    assertThrows(
        IllegalArgumentException.class, () -> JobOptions.parse(args(required(), "--version", "")));
    assertThrows(
        IllegalArgumentException.class,
        () -> JobOptions.parse(args(required(), "--max-future-skew-ms", "-1")));
    assertThrows(
        IllegalArgumentException.class,
        () -> JobOptions.parse(args(required(), "--als-blocks", "-1")));
    assertThrows(
        IllegalArgumentException.class,
        () -> JobOptions.parse(args(required(), "--shuffle-partitions", "-2")));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> JobOptions.parse(args(required(), "--rank", "ten")));
    assertEquals("--rank must be an integer, got 'ten'", e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> JobOptions.parse(args(required(), "--rank")));
  }

  @Test
  void paramsAreTheRegistryRowsMap() {
    JobOptions o = JobOptions.parse(args(required()));
    assertEquals(
        "{rank=12, reg=0.15, iterations=20, implicit=false, biases=true, alpha=1.0, split=random, testFraction=0.2, seed=42,"
            + " finalFit=all, history=/movielens/ml-latest-small/ratings.csv}",
        o.params().toString());
  }

  @Test
  void searchCandidatesStartWithTheConfiguredOnesAndFillWhatAnEntryLeavesOut() {
    JobOptions o =
        JobOptions.parse(
            args(
                required(),
                "--search",
                "rank=4; reg=0.5,alpha=3 ;rank=4",
                "--search-seconds",
                "60"));
    List<JobOptions> c = o.candidates();
    assertEquals(3, c.size());
    assertEquals(o.candidateLabel(), c.get(0).candidateLabel());
    assertEquals("rank=4 reg=" + o.reg + " alpha=" + o.alpha, c.get(1).candidateLabel());
    assertEquals("rank=" + o.rank + " reg=0.5 alpha=3.0", c.get(2).candidateLabel());
    // a candidate is a copy: the configured options stay as they were
    assertEquals(o.rank, c.get(0).rank);
    assertEquals(60.0, o.searchSeconds);
    assertEquals("rank=4; reg=0.5,alpha=3 ;rank=4", o.params().get("search"));
    assertEquals(1, JobOptions.parse(args(required())).candidates().size());
  }

  @Test
  void aMalformedSearchIsRefusedBeforeAnythingRuns() {
    for (String bad : new String[] {"rank", "depth=3", "reg=abc", "rank=0", "reg=-1"}) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> JobOptions.parse(args(required(), "--search", bad)),
              bad);
      assertTrue(e.getMessage().startsWith("--search: "), e.getMessage());
    }
  }

  @Test
  void theBestCandidateHasTheHighestNdcgWhenImplicitAndTheLowestRmseWhenExplicit() {
    Map<String, Double> a = Map.of("ndcg@10", 0.20, "rmse", 0.90);
    Map<String, Double> b = Map.of("ndcg@10", 0.25, "rmse", 0.95);
    assertTrue(Evaluation.better(true, b, a));
    assertFalse(Evaluation.better(true, a, b));
    assertTrue(Evaluation.better(false, a, b));
    // a tie keeps the earlier candidate
    assertFalse(Evaluation.better(true, a, a));
  }
}
