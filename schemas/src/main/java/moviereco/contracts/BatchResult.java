package moviereco.contracts;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What the batch job prints on stdout for its runner (pipelines/batch/runner.ts), among other log
 * lines: {@code PHASE_START <name>} when a phase begins, {@code PHASE <name> <seconds, one
 * decimal>} when it ends, and last {@code RESULT <json>}, one line, with {@code version}, {@code
 * dataCutoff} (epoch ms) and {@code path} (all three absent for an evaluate-only run), then {@code
 * metrics} (name → number), {@code counts} (name → integer) and {@code phases} (name → seconds).
 */
public final class BatchResult {
  private BatchResult() {}

  public static final String PHASE_START = "PHASE_START ";
  public static final String PHASE = "PHASE ";
  public static final String RESULT = "RESULT ";

  /** A line the runner understands. */
  public sealed interface Line permits PhaseStart, PhaseEnd, Result {
    String format();
  }

  public record PhaseStart(String name) implements Line {
    @Override
    public String format() {
      return PHASE_START + name;
    }
  }

  /** Seconds are printed with one decimal, so a parsed value is the rounded one. */
  public record PhaseEnd(String name, double seconds) implements Line {
    @Override
    public String format() {
      return PHASE + name + " " + String.format(Locale.ROOT, "%.1f", seconds);
    }
  }

  /** The run's result; version, dataCutoff and path are null for an evaluate-only run. */
  public record Result(
      String version,
      Long dataCutoff,
      String path,
      Map<String, Double> metrics,
      Map<String, Long> counts,
      Map<String, Double> phases)
      implements Line {
    public String toJson() {
      StringBuilder sb = new StringBuilder("{");
      if (version != null) sb.append("\"version\":").append(Json.quote(version)).append(',');
      if (dataCutoff != null) sb.append("\"dataCutoff\":").append(dataCutoff).append(',');
      if (path != null) sb.append("\"path\":").append(Json.quote(path)).append(',');
      return sb.append("\"metrics\":")
          .append(Json.object(metrics))
          .append(",\"counts\":")
          .append(Json.object(counts))
          .append(",\"phases\":")
          .append(Json.object(phases))
          .append('}')
          .toString();
    }

    @Override
    public String format() {
      return RESULT + toJson();
    }
  }

  /**
   * Reads a line of the job's output: the {@link Line} it is, or null for any other log line.
   *
   * @throws IllegalArgumentException for a PHASE or RESULT line that is malformed
   */
  public static Line parse(String line) {
    if (line.startsWith(PHASE_START)) {
      String name = line.substring(PHASE_START.length());
      if (!name.matches("\\w+"))
        throw new IllegalArgumentException("malformed PHASE_START line: '" + line + "'");
      return new PhaseStart(name);
    }
    if (line.startsWith(PHASE)) {
      String[] parts = line.split(" ", -1);
      if (parts.length != 3 || !parts[1].matches("\\w+") || !parts[2].matches("\\d+\\.\\d")) {
        throw new IllegalArgumentException(
            "malformed PHASE line, expected PHASE <name> <seconds>: '" + line + "'");
      }
      return new PhaseEnd(parts[1], Double.parseDouble(parts[2]));
    }
    if (line.startsWith(RESULT)) {
      try {
        return readResult(Json.parseObject(line.substring(RESULT.length())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("malformed RESULT line: " + e.getMessage(), e);
      }
    }
    return null;
  }

  private static Result readResult(Map<String, Object> m) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    ModelFiles.map(m, "metrics")
        .forEach((k, v) -> metrics.put(k, ModelFiles.toDouble("metrics." + k, v)));
    Map<String, Long> counts = new LinkedHashMap<>();
    ModelFiles.map(m, "counts")
        .forEach((k, v) -> counts.put(k, ModelFiles.integer("counts." + k, v)));
    Map<String, Double> phases = new LinkedHashMap<>();
    ModelFiles.map(m, "phases")
        .forEach((k, v) -> phases.put(k, ModelFiles.toDouble("phases." + k, v)));
    return new Result(
        m.containsKey("version") ? ModelFiles.string(m, "version") : null,
        m.containsKey("dataCutoff") ? ModelFiles.integer(m, "dataCutoff") : null,
        m.containsKey("path") ? ModelFiles.string(m, "path") : null,
        metrics,
        counts,
        phases);
  }

  /** Times the phases of a run and prints their lines; keeps each phase's seconds in order. */
  public static final class Phases {
    private final PrintStream out;
    private final LongSupplier nanoTime;
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private long started;

    public Phases(PrintStream out) {
      this(out, System::nanoTime);
    }

    public Phases(PrintStream out, LongSupplier nanoTime) {
      this.out = out;
      this.nanoTime = nanoTime;
    }

    public void start(String name) {
      started = nanoTime.getAsLong();
      out.println(new PhaseStart(name).format());
    }

    public void end(String name) {
      double s = (nanoTime.getAsLong() - started) / 1e9;
      seconds.put(name, s);
      out.println(new PhaseEnd(name, s).format());
    }

    /** Each ended phase's seconds, in order (a live view). */
    public Map<String, Double> seconds() {
      return seconds;
    }

    /** Prints the RESULT line. */
    public void result(
        String version,
        Long dataCutoff,
        String path,
        Map<String, Double> metrics,
        Map<String, Long> counts) {
      out.println(new Result(version, dataCutoff, path, metrics, counts, seconds).format());
    }
  }
}
