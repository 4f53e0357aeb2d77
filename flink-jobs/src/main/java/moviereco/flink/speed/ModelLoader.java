package moviereco.flink.speed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Reads a model the batch layer published ({@code <path>/metadata.json} and
 * {@code <path>/item-factors/part-*}, lines {@code id,bias,f1..fk}) through Flink's file systems,
 * so hdfs:// and file:// both work.
 */
public final class ModelLoader {
  /** Spark's default in the batch job's Biases; older models' metadata does not state it. */
  static final double DEFAULT_USER_BIAS_DAMPING = 15;

  private ModelLoader() {}

  public static Model load(String modelPath) throws IOException {
    Path root = new Path(modelPath);
    FileSystem fs = root.getFileSystem();
    JsonNode meta;
    try (var in = fs.open(new Path(root, "metadata.json"))) {
      meta = new ObjectMapper().readTree(in);
    }
    int rank = meta.path("rank").asInt(0);
    if (rank <= 0) throw new IOException(modelPath + "/metadata.json has no rank");
    boolean implicit = meta.path("implicit").asBoolean(meta.path("params").path("implicit").asText("false").equals("true"));
    double alpha = meta.path("alpha").asDouble(Double.parseDouble(meta.path("params").path("alpha").asText("1.0")));
    Factors items = readFactors(new Path(root, "item-factors"), rank);
    if (items.ids.length == 0) throw new IOException(modelPath + "/item-factors holds no factors");
    return new Model(
        meta.path("version").asText(),
        meta.path("dataCutoff").asLong(),
        rank,
        meta.path("globalMean").asDouble(),
        meta.path("reg").asDouble(),
        meta.path("biases").asBoolean(true) ? meta.path("userBiasDamping").asDouble(DEFAULT_USER_BIAS_DAMPING) : Double.NaN,
        implicit,
        alpha,
        items.ids,
        items.bias,
        items.factors);
  }

  /** Rows of a factor directory: ids, biases and row-major factors. */
  public record Factors(long[] ids, float[] bias, float[] factors) {}

  /** Reads {@code dir/part-*}: lines {@code id,bias,f1..fk}. */
  public static Factors readFactors(Path dir, int rank) throws IOException {
    FileSystem fs = dir.getFileSystem();
    long[] ids = new long[1024];
    float[] bias = new float[1024];
    float[] factors = new float[1024 * rank];
    int n = 0;
    FileStatus[] parts = fs.listStatus(dir);
    if (parts == null) throw new IOException(dir + " is missing");
    Arrays.sort(parts, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    for (FileStatus part : parts) {
      if (!part.getPath().getName().startsWith("part-")) continue;
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(fs.open(part.getPath()), StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          if (line.isEmpty()) continue;
          String[] cells = line.split(",");
          if (cells.length != rank + 2) throw new IOException(part.getPath() + ": expected " + (rank + 2) + " fields, got " + cells.length);
          if (n == ids.length) {
            ids = Arrays.copyOf(ids, n * 2);
            bias = Arrays.copyOf(bias, n * 2);
            factors = Arrays.copyOf(factors, n * 2 * rank);
          }
          ids[n] = Long.parseLong(cells[0]);
          bias[n] = Float.parseFloat(cells[1]);
          for (int f = 0; f < rank; f++) factors[n * rank + f] = Float.parseFloat(cells[f + 2]);
          n++;
        }
      }
    }
    return new Factors(Arrays.copyOf(ids, n), Arrays.copyOf(bias, n), Arrays.copyOf(factors, n * rank));
  }
}
