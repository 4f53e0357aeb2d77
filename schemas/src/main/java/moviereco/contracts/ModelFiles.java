package moviereco.contracts;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A model folder as the batch job writes it and the speed layer and the API read it: {@code
 * <path>/metadata.json} ({@link Metadata}) and the factors as text, one line {@code
 * id,bias,f1,...,fk} per user in {@code user-factors/part-*} and per movie in {@code
 * item-factors/part-*}. Floats are written with {@code Float.toString}, so they read back exactly.
 */
public final class ModelFiles {
  private ModelFiles() {}

  public static final String METADATA = "metadata.json";
  public static final String USER_FACTORS = "user-factors";
  public static final String ITEM_FACTORS = "item-factors";

  /** A decimal number as Java and JavaScript print floats, or NaN and the infinities. */
  private static final Pattern FLOAT =
      Pattern.compile("-?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?|NaN|-?Infinity");

  private static final Pattern INTEGER = Pattern.compile("-?\\d{1,19}");

  /** The value of {@code factorsFormat} for a rank. */
  public static String factorsFormat(int rank) {
    return "id,bias,f1..f" + rank;
  }

  /** One line of a factors file. */
  public static String formatFactorLine(long id, float bias, float[] factors) {
    StringBuilder sb =
        new StringBuilder(16 + factors.length * 12).append(id).append(',').append(bias);
    for (float f : factors) sb.append(',').append(f);
    return sb.toString();
  }

  /** A line of a factors file read back; its arrays are its own. */
  public record FactorLine(long id, float bias, float[] factors) {
    @Override
    public boolean equals(Object o) {
      return o instanceof FactorLine f
          && f.id == id
          && Float.compare(f.bias, bias) == 0
          && Arrays.equals(f.factors, factors);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(id) * 31 + Arrays.hashCode(factors);
    }

    @Override
    public String toString() {
      return formatFactorLine(id, bias, factors);
    }
  }

  /**
   * Reads a line of a factors file of the given rank.
   *
   * @throws IllegalArgumentException naming the field that is wrong and quoting the line
   */
  public static FactorLine parseFactorLine(String line, int rank) {
    String[] cells = line.split(",", -1);
    if (cells.length != rank + 2) {
      throw malformed(
          line,
          "expected " + (rank + 2) + " fields " + factorsFormat(rank) + ", got " + cells.length);
    }
    if (!INTEGER.matcher(cells[0]).matches())
      throw malformed(line, "id '" + cells[0] + "' is not an integer");
    long id;
    try {
      id = Long.parseLong(cells[0]);
    } catch (NumberFormatException e) {
      throw malformed(line, "id '" + cells[0] + "' is out of range");
    }
    float bias = number(line, "bias", cells[1]);
    float[] factors = new float[rank];
    for (int k = 0; k < rank; k++) factors[k] = number(line, "f" + (k + 1), cells[k + 2]);
    return new FactorLine(id, bias, factors);
  }

  private static float number(String line, String field, String text) {
    if (!FLOAT.matcher(text).matches())
      throw malformed(line, field + " '" + text + "' is not a number");
    return Float.parseFloat(text);
  }

  private static IllegalArgumentException malformed(String line, String why) {
    return new IllegalArgumentException("malformed factor line: " + why + ": '" + line + "'");
  }

  /**
   * {@code metadata.json}. {@code globalMean} and {@code userBiasDamping} are 0 for a model without
   * biases; {@code factorsFormat} follows from the rank. Maps keep their order.
   */
  public record Metadata(
      String modelName,
      String version,
      long dataCutoff,
      double globalMean,
      boolean biases,
      boolean implicit,
      double alpha,
      double reg,
      double userBiasDamping,
      int rank,
      Map<String, String> params,
      Map<String, Double> metrics,
      Map<String, Long> counts) {

    public String factorsFormat() {
      return ModelFiles.factorsFormat(rank);
    }

    /** The file's text (one line, newline-terminated). */
    public String toJson() {
      return "{\"modelName\":"
          + Json.quote(modelName)
          + ",\"version\":"
          + Json.quote(version)
          + ",\"dataCutoff\":"
          + dataCutoff
          + ",\"globalMean\":"
          + Json.value(globalMean)
          + ",\"biases\":"
          + biases
          + ",\"implicit\":"
          + implicit
          + ",\"alpha\":"
          + Json.value(alpha)
          + ",\"reg\":"
          + Json.value(reg)
          + ",\"userBiasDamping\":"
          + Json.value(userBiasDamping)
          + ",\"factorsFormat\":"
          + Json.quote(factorsFormat())
          + ",\"rank\":"
          + rank
          + ",\"params\":"
          + Json.object(params)
          + ",\"metrics\":"
          + Json.object(metrics)
          + ",\"counts\":"
          + Json.object(counts)
          + "}\n";
    }

    /**
     * Reads {@code metadata.json}.
     *
     * @throws IllegalArgumentException naming a missing or mistyped field
     */
    public static Metadata parse(String json) {
      try {
        return read(Json.parseObject(json));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("metadata.json: " + e.getMessage(), e);
      }
    }

    private static Metadata read(Map<String, Object> m) {
      int rank = (int) integer(m, "rank");
      if (rank <= 0) throw new IllegalArgumentException("rank " + rank + " is not positive");
      Object format = m.get("factorsFormat");
      if (format != null && !ModelFiles.factorsFormat(rank).equals(format)) {
        throw new IllegalArgumentException(
            "factorsFormat '" + format + "' is not " + ModelFiles.factorsFormat(rank));
      }
      Map<String, String> params = new LinkedHashMap<>();
      map(m, "params").forEach((k, v) -> params.put(k, String.valueOf(v)));
      Map<String, Double> metrics = new LinkedHashMap<>();
      map(m, "metrics").forEach((k, v) -> metrics.put(k, toDouble("metrics." + k, v)));
      Map<String, Long> counts = new LinkedHashMap<>();
      map(m, "counts").forEach((k, v) -> counts.put(k, integer("counts." + k, v)));
      return new Metadata(
          string(m, "modelName"),
          string(m, "version"),
          integer(m, "dataCutoff"),
          toDouble("globalMean", m.get("globalMean")),
          bool(m, "biases"),
          bool(m, "implicit"),
          toDouble("alpha", m.get("alpha")),
          toDouble("reg", m.get("reg")),
          toDouble("userBiasDamping", m.get("userBiasDamping")),
          rank,
          params,
          metrics,
          counts);
    }
  }

  static String string(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof String s)) throw mistyped(key, "a string", m.get(key));
    return s;
  }

  static boolean bool(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof Boolean b)) throw mistyped(key, "true or false", m.get(key));
    return b;
  }

  static long integer(Map<String, Object> m, String key) {
    return integer(key, m.get(key));
  }

  static long integer(String key, Object v) {
    if (!(v instanceof Long l)) throw mistyped(key, "an integer", v);
    return l;
  }

  /** A number, or NaN and the infinities as the strings JSON writes them as. */
  static double toDouble(String key, Object v) {
    if (v instanceof Number n) return n.doubleValue();
    if (v instanceof String s
        && (s.equals("NaN") || s.equals("Infinity") || s.equals("-Infinity"))) {
      return Double.parseDouble(s);
    }
    throw mistyped(key, "a number", v);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Map<String, Object> m, String key) {
    if (!(m.get(key) instanceof Map<?, ?> v)) throw mistyped(key, "an object", m.get(key));
    return (Map<String, Object>) v;
  }

  private static IllegalArgumentException mistyped(String key, String expected, Object got) {
    return new IllegalArgumentException(
        key + (got == null ? " is missing" : " is not " + expected + ": " + got));
  }
}
