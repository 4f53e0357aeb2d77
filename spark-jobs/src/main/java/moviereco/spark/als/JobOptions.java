package moviereco.spark.als;

import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Flags of the batch job, each with its default. {@code --name value} pairs; unknown flags are an
 * error so that a typo never silently trains with a default.
 */
public final class JobOptions implements Serializable {
  public String historyPath = "/movielens/ml-latest-small/ratings.csv";
  public String eventsPath = "/events/ratings";
  public String modelsPath = "/models/als";
  public String keyspace = "moviereco";
  public String modelName = "als";
  public String version = "";
  /** only ratings with ratedAt up to this instant (epoch ms); 0 = all */
  public long cutoff = 0;
  public int rank = 10;
  public double reg = 0.15;
  public int iterations = 20;
  /** implicit feedback (Hu, Koren, Volinsky 2008): a rating r is a preference with confidence 1 + alpha r */
  public boolean implicit = false;
  /** learn mean + user and movie biases first, factorise what they leave (see docs/batch.md); off by default for implicit */
  public boolean biases = true;
  public double alpha = 1.0;
  /** random or temporal */
  public String split = "random";
  public double testFraction = 0.2;
  public long seed = 42;
  public int topN = 100;
  public int similarN = 20;
  /** users whose ranking metrics are computed (a sample on large data) */
  public int rankingUsers = 20_000;
  /** all: the served model is trained again on all data; train: the evaluated model serves */
  public String finalFit = "all";
  public String kafkaBrokers = "";
  public String updatesTopic = "model-updates";
  /** stop after the evaluation: for tuning hyperparameters */
  public boolean evaluateOnly = false;
  /** for tests of failure handling: sleep this long (ms) before the pointer flips */
  public long pauseBeforeSwitchMs = 0;

  public static JobOptions parse(String[] args) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", args));
      }
      values.put(args[i].substring(2), args[++i]);
    }
    JobOptions o = new JobOptions();
    boolean biasesGiven = false;
    for (Map.Entry<String, String> e : values.entrySet()) {
      String v = e.getValue();
      switch (e.getKey()) {
        case "history" -> o.historyPath = v;
        case "events" -> o.eventsPath = v;
        case "models" -> o.modelsPath = v;
        case "keyspace" -> o.keyspace = v;
        case "model-name" -> o.modelName = v;
        case "version" -> o.version = v;
        case "cutoff" -> o.cutoff = Long.parseLong(v);
        case "rank" -> o.rank = Integer.parseInt(v);
        case "reg" -> o.reg = Double.parseDouble(v);
        case "iterations" -> o.iterations = Integer.parseInt(v);
        case "implicit" -> o.implicit = Boolean.parseBoolean(v);
        case "biases" -> {
          o.biases = Boolean.parseBoolean(v);
          biasesGiven = true;
        }
        case "alpha" -> o.alpha = Double.parseDouble(v);
        case "split" -> o.split = v;
        case "test-fraction" -> o.testFraction = Double.parseDouble(v);
        case "seed" -> o.seed = Long.parseLong(v);
        case "top-n" -> o.topN = Integer.parseInt(v);
        case "similar-n" -> o.similarN = Integer.parseInt(v);
        case "ranking-users" -> o.rankingUsers = Integer.parseInt(v);
        case "final-fit" -> o.finalFit = v;
        case "kafka-brokers" -> o.kafkaBrokers = v;
        case "updates-topic" -> o.updatesTopic = v;
        case "pause-before-switch-ms" -> o.pauseBeforeSwitchMs = Long.parseLong(v);
        case "evaluate-only" -> o.evaluateOnly = Boolean.parseBoolean(v);
        default -> throw new IllegalArgumentException("unknown flag --" + e.getKey());
      }
    }
    // an implicit model factorises preferences with confidences, not what biases leave of a rating
    if (o.implicit && !biasesGiven) o.biases = false;
    if (!o.split.equals("random") && !o.split.equals("temporal")) throw new IllegalArgumentException("--split must be random or temporal");
    if (!o.finalFit.equals("all") && !o.finalFit.equals("train")) throw new IllegalArgumentException("--final-fit must be all or train");
    if (o.version.isEmpty()) throw new IllegalArgumentException("--version is required");
    return o;
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
    return p;
  }
}
