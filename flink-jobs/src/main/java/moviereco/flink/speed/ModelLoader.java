package moviereco.flink.speed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import moviereco.contracts.ModelFiles;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Reads a model the batch layer published, in the shared format of {@link ModelFiles} ({@code
 * <path>/metadata.json} and {@code <path>/item-factors/part-*}, lines {@code id,bias,f1..fk}),
 * through Flink's file systems, so hdfs:// and file:// both work.
 */
public final class ModelLoader {
  private ModelLoader() {}

  public static Model load(String modelPath) throws IOException {
    Path root = new Path(modelPath);
    ModelFiles.Metadata meta = metadata(root);
    Factors items = readFactors(new Path(root, ModelFiles.ITEM_FACTORS), meta.rank());
    if (items.ids.length == 0)
      throw new IOException(modelPath + "/" + ModelFiles.ITEM_FACTORS + " holds no factors");
    return new Model(
        meta.version(),
        meta.dataCutoff(),
        meta.rank(),
        meta.globalMean(),
        meta.reg(),
        meta.biases() ? meta.userBiasDamping() : Double.NaN,
        meta.implicit(),
        meta.alpha(),
        items.ids,
        items.bias,
        items.factors);
  }

  /**
   * {@code <root>/metadata.json}; a file that breaks the contract is an IOException naming it and
   * the field.
   */
  public static ModelFiles.Metadata metadata(Path root) throws IOException {
    Path file = new Path(root, ModelFiles.METADATA);
    String json;
    try (var in = file.getFileSystem().open(file)) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try {
      return ModelFiles.Metadata.parse(json);
    } catch (IllegalArgumentException e) {
      throw new IOException(
          root + "/" + e.getMessage(), e); // the message starts with "metadata.json: "
    }
  }

  /** Rows of a factor directory: ids, biases and row-major factors. */
  public record Factors(long[] ids, float[] bias, float[] factors) {}

  /**
   * Reads {@code dir/part-*}: lines {@code id,bias,f1..fk} ({@link ModelFiles#parseFactorLine}).
   */
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
      try (BufferedReader reader =
          new BufferedReader(
              new InputStreamReader(fs.open(part.getPath()), StandardCharsets.UTF_8))) {
        String text;
        while ((text = reader.readLine()) != null) {
          if (text.isEmpty()) continue;
          ModelFiles.FactorLine line;
          try {
            line = ModelFiles.parseFactorLine(text, rank);
          } catch (IllegalArgumentException e) {
            throw new IOException(part.getPath() + ": " + e.getMessage(), e);
          }
          if (n == ids.length) {
            ids = Arrays.copyOf(ids, n * 2);
            bias = Arrays.copyOf(bias, n * 2);
            factors = Arrays.copyOf(factors, n * 2 * rank);
          }
          ids[n] = line.id();
          bias[n] = line.bias();
          System.arraycopy(line.factors(), 0, factors, n * rank, rank);
          n++;
        }
      }
    }
    return new Factors(
        Arrays.copyOf(ids, n), Arrays.copyOf(bias, n), Arrays.copyOf(factors, n * rank));
  }
}
