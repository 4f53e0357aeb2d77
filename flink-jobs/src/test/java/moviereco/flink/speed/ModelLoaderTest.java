package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import moviereco.contracts.ModelFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The speed layer reads what the batch layer writes: both through {@link ModelFiles}. */
class ModelLoaderTest {
  @TempDir Path dir;

  /** A model folder as the batch job writes it. */
  static String write(
      Path root, ModelFiles.Metadata meta, long[] ids, float[] bias, float[][] factors)
      throws IOException {
    Files.createDirectories(root.resolve(ModelFiles.ITEM_FACTORS));
    Files.writeString(root.resolve(ModelFiles.METADATA), meta.toJson());
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < ids.length; i++)
      lines.append(ModelFiles.formatFactorLine(ids[i], bias[i], factors[i])).append('\n');
    Files.writeString(
        root.resolve(ModelFiles.ITEM_FACTORS).resolve("part-00000"), lines.toString());
    return root.toUri().toString();
  }

  static ModelFiles.Metadata metadata(String version, boolean biases, boolean implicit) {
    return new ModelFiles.Metadata(
        "als",
        version,
        5_000,
        biases ? 3.5 : 0,
        biases,
        implicit,
        implicit ? 40 : 1,
        0.1,
        biases ? 15 : 0,
        2,
        Map.of("rank", "2"),
        Map.of("rmse", 0.9),
        Map.of("ratings", 3L));
  }

  @Test
  void readsAnExplicitModelWithBiases() throws Exception {
    String path =
        write(
            dir.resolve("v1"),
            metadata("v1", true, false),
            new long[] {10, 20},
            new float[] {0.25f, -0.5f},
            new float[][] {{0.1f, 0.2f}, {0.3f, 1e-8f}});
    Model m = ModelLoader.load(path);
    assertEquals("v1", m.version);
    assertEquals(5_000, m.dataCutoff);
    assertEquals(3.5, m.globalMean);
    assertEquals(15, m.userBiasDamping);
    assertFalse(m.implicit);
    assertArrayEquals(new long[] {10, 20}, m.ids);
    assertArrayEquals(new float[] {0.25f, -0.5f}, m.itemBias);
    assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f, 1e-8f}, m.factors);
  }

  @Test
  void readsAnImplicitModelWithoutBiases() throws Exception {
    Model m =
        ModelLoader.load(
            write(
                dir.resolve("v2"),
                metadata("v2", false, true),
                new long[] {7},
                new float[] {0},
                new float[][] {{1f, 2f}}));
    assertTrue(m.implicit);
    assertEquals(40, m.alpha);
    assertTrue(Double.isNaN(m.userBiasDamping), "no user bias");
    assertArrayEquals(new double[] {1, 2, 2, 4}, m.gram);
  }

  @Test
  void aModelThatBreaksTheContractIsAnIoErrorNamingTheFile() throws Exception {
    String path =
        write(
            dir.resolve("v3"),
            metadata("v3", true, false),
            new long[] {10},
            new float[] {0},
            new float[][] {{1f, 2f}});
    Files.writeString(
        dir.resolve("v3").resolve(ModelFiles.ITEM_FACTORS).resolve("part-00001"), "11,0.0,1.0\n");
    IOException e = assertThrows(IOException.class, () -> ModelLoader.load(path));
    assertTrue(e.getMessage().contains("part-00001: malformed factor line"), e.getMessage());

    Files.writeString(dir.resolve("v3").resolve(ModelFiles.METADATA), "{\"version\":\"v3\"}");
    e = assertThrows(IOException.class, () -> ModelLoader.load(path));
    assertTrue(
        e.getMessage().contains("v3/metadata.json: ") && e.getMessage().endsWith("is missing"),
        e.getMessage());
  }
}
