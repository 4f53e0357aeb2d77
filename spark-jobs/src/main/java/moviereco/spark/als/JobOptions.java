package moviereco.spark.als;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Flags of the batch job as {@code --name value} pairs. Every flag is required except the ones in
 * {@link #OPTIONAL}: the defaults live in one place, the runner's configuration (batch/config.ts),
 * so a flag the runner forgets is an error here rather than a silent default. Unknown flags are an
 * error too, so that a typo never silently trains with something else. A flag given twice takes its
 * last value.
 */
public final class JobOptions implements Serializable, Cloneable {
  public String historyPath;
  public String eventsPath;
  public String modelsPath;
  public String keyspace;
  public String modelName;
  public String version;

  /** only ratings with ratedAt up to this instant (epoch ms); 0 or absent = all */
  public long cutoff;

  public int rank;
  public double reg;
  public int iterations;

  /**
   * implicit feedback (Hu, Koren, Volinsky 2008): a rating r is a preference with confidence 1 +
   * alpha r
   */
  public boolean implicit;

  /** learn mean + user and movie biases first, factorise what they leave (see docs/batch.md) */
  public boolean biases;

  public double alpha;

  /** random or temporal */
  public String split;

  public double testFraction;
  public long seed;
  public int topN;
  public int similarN;

  /** users whose ranking metrics are computed (a sample on large data) */
  public int rankingUsers;

  /**
   * all: the served model is fitted again on all data; train: the evaluated fit's item factors
   * serve, with user vectors solved from all ratings; auto: all only when the evaluation held out
   * more than 5% of the ratings (see {@link Training})
   */
  public String finalFit;

  /** a rating whose ratedAt is later than the run's start plus this is rejected (RatingRule) */
  public long maxFutureSkewMs;

  /** spark.sql.shuffle.partitions; 0: from the cores and the input's size ({@link Sizing}) */
  public int shufflePartitions;

  /** ALS's user and item blocks; 0: from the cores and the ratings ({@link Sizing}) */
  public int alsBlocks;

  /** stop after the evaluation: for tuning hyperparameters */
  public boolean evaluateOnly;

  /**
   * hyperparameter candidates evaluated beside the configured rank, reg and alpha, the best
   * serving: entries {@code rank=20,reg=0.05,alpha=2} (each key optional) separated by {@code ;};
   * empty: none
   */
  public String search = "";

  /** the search's time budget: no candidate starts after this many seconds of it; 0: no limit */
  public double searchSeconds;

  /** Flags that may be left out: absent means no cutoff, a full run and no search. */
  public static final Set<String> OPTIONAL =
      Set.of("cutoff", "evaluate-only", "search", "search-seconds");

  /** Every flag, in the order of the usage message. */
  public static final List<String> FLAGS =
      List.of(
          "history",
          "events",
          "models",
          "keyspace",
          "model-name",
          "version",
          "cutoff",
          "rank",
          "reg",
          "iterations",
          "implicit",
          "biases",
          "alpha",
          "split",
          "test-fraction",
          "seed",
          "top-n",
          "similar-n",
          "ranking-users",
          "final-fit",
          "max-future-skew-ms",
          "shuffle-partitions",
          "als-blocks",
          "evaluate-only",
          "search",
          "search-seconds");

  public static JobOptions parse(String[] args) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "expected --name value pairs, got: " + String.join(" ", args));
      }
      String name = args[i].substring(2);
      if (!FLAGS.contains(name)) throw new IllegalArgumentException("unknown flag --" + name);
      values.put(name, args[++i]);
    }
    List<String> missing = new ArrayList<>();
    for (String flag : FLAGS) {
      if (!OPTIONAL.contains(flag) && !values.containsKey(flag)) missing.add("--" + flag);
    }
    if (!missing.isEmpty())
      throw new IllegalArgumentException("missing required flags: " + String.join(", ", missing));

    JobOptions o = new JobOptions();
    o.historyPath = values.get("history");
    o.eventsPath = values.get("events");
    o.modelsPath = values.get("models");
    o.keyspace = values.get("keyspace");
    o.modelName = values.get("model-name");
    o.version = values.get("version");
    o.cutoff = parseLong(values, "cutoff", 0);
    o.rank = parseInt(values, "rank");
    o.reg = parseDouble(values, "reg");
    o.iterations = parseInt(values, "iterations");
    o.implicit = parseBoolean(values, "implicit", false);
    o.biases = parseBoolean(values, "biases", false);
    o.alpha = parseDouble(values, "alpha");
    o.split = values.get("split");
    o.testFraction = parseDouble(values, "test-fraction");
    o.seed = parseLong(values, "seed", 0);
    o.topN = parseInt(values, "top-n");
    o.similarN = parseInt(values, "similar-n");
    o.rankingUsers = parseInt(values, "ranking-users");
    o.finalFit = values.get("final-fit");
    o.maxFutureSkewMs = parseLong(values, "max-future-skew-ms", 0);
    o.shufflePartitions = parseInt(values, "shuffle-partitions");
    o.alsBlocks = parseInt(values, "als-blocks");
    o.evaluateOnly = parseBoolean(values, "evaluate-only", false);
    o.search = values.getOrDefault("search", "").trim();
    o.searchSeconds =
        values.containsKey("search-seconds") ? parseDouble(values, "search-seconds") : 0;

    if (!o.split.equals("random") && !o.split.equals("temporal"))
      throw new IllegalArgumentException("--split must be random or temporal");
    if (!List.of("auto", "all", "train").contains(o.finalFit))
      throw new IllegalArgumentException("--final-fit must be auto, all or train");
    if (o.version.isEmpty()) throw new IllegalArgumentException("--version must not be empty");
    if (o.shufflePartitions < 0 || o.alsBlocks < 0)
      throw new IllegalArgumentException(
          "--shuffle-partitions and --als-blocks must not be negative (0: derived)");
    if (o.maxFutureSkewMs < 0)
      throw new IllegalArgumentException("--max-future-skew-ms must not be negative");
    if (o.searchSeconds < 0)
      throw new IllegalArgumentException("--search-seconds must not be negative");
    o.candidates(); // a malformed --search is an error before anything runs
    return o;
  }

  /**
   * The hyperparameter candidates, the configured ones first, then each of {@code --search} (keys
   * it leaves out keep the configured value; a repeat of an earlier candidate is dropped).
   */
  public List<JobOptions> candidates() {
    List<JobOptions> out = new ArrayList<>(List.of(this));
    if (search.isEmpty()) return out;
    for (String entry : search.split(";")) {
      if (entry.isBlank()) continue;
      JobOptions c = copy();
      for (String pair : entry.trim().split(",")) {
        String[] kv = pair.trim().split("=", 2);
        if (kv.length != 2)
          throw new IllegalArgumentException(
              "--search: '" + pair + "' is not key=value (keys rank, reg, alpha)");
        try {
          switch (kv[0].trim()) {
            case "rank" -> c.rank = Integer.parseInt(kv[1].trim());
            case "reg" -> c.reg = Double.parseDouble(kv[1].trim());
            case "alpha" -> c.alpha = Double.parseDouble(kv[1].trim());
            default ->
                throw new IllegalArgumentException(
                    "--search: unknown key '" + kv[0].trim() + "' (keys rank, reg, alpha)");
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--search: '" + pair + "' is not a number", e);
        }
      }
      if (c.rank < 1 || !(c.reg >= 0) || !(c.alpha >= 0))
        throw new IllegalArgumentException(
            "--search: '" + entry.trim() + "' needs rank >= 1, reg >= 0, alpha >= 0");
      if (out.stream().noneMatch(o -> o.rank == c.rank && o.reg == c.reg && o.alpha == c.alpha))
        out.add(c);
    }
    return out;
  }

  /** rank, reg and alpha as a candidate's label, e.g. {@code rank=10 reg=0.1 alpha=1.0} */
  public String candidateLabel() {
    return "rank=" + rank + " reg=" + reg + " alpha=" + alpha;
  }

  JobOptions copy() {
    try {
      return (JobOptions) super.clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  private static int parseInt(Map<String, String> values, String flag) {
    try {
      return Integer.parseInt(values.get(flag));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + flag + " must be an integer, got '" + values.get(flag) + "'");
    }
  }

  private static long parseLong(Map<String, String> values, String flag, long absent) {
    if (!values.containsKey(flag)) return absent;
    try {
      return Long.parseLong(values.get(flag));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + flag + " must be an integer, got '" + values.get(flag) + "'");
    }
  }

  private static double parseDouble(Map<String, String> values, String flag) {
    try {
      return Double.parseDouble(values.get(flag));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "--" + flag + " must be a number, got '" + values.get(flag) + "'");
    }
  }

  /** Like Boolean.parseBoolean (anything but "true" is false), as before. */
  private static boolean parseBoolean(Map<String, String> values, String flag, boolean absent) {
    return values.containsKey(flag) ? Boolean.parseBoolean(values.get(flag)) : absent;
  }

  public Map<String, String> params() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("rank", String.valueOf(rank));
    p.put("reg", String.valueOf(reg));
    p.put("iterations", String.valueOf(iterations));
    p.put("implicit", String.valueOf(implicit));
    p.put("biases", String.valueOf(biases));
    p.put("alpha", String.valueOf(alpha));
    p.put("split", split);
    p.put("testFraction", String.valueOf(testFraction));
    p.put("seed", String.valueOf(seed));
    p.put("finalFit", finalFit);
    p.put("history", historyPath);
    if (!search.isEmpty()) p.put("search", search);
    return p;
  }
}
