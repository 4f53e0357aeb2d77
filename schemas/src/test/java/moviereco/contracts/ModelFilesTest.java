package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** contracts/model-files.json: metadata.json and factor lines, both directions. */
class ModelFilesTest {
  static Stream<Arguments> metadata() {
    return Vectors.cases("model-files.json", "metadata");
  }

  static Stream<Arguments> invalidMetadata() {
    return Vectors.cases("model-files.json", "invalidMetadata");
  }

  static Stream<Arguments> factorLines() {
    return Vectors.cases("model-files.json", "factorLines");
  }

  static Stream<Arguments> invalidFactorLines() {
    return Vectors.cases("model-files.json", "invalidFactorLines");
  }

  static ModelFiles.Metadata metadataOf(JsonNode v) {
    return new ModelFiles.Metadata(
        v.get("modelName").asText(),
        v.get("version").asText(),
        v.get("dataCutoff").asLong(),
        v.get("globalMean").asDouble(),
        v.get("biases").asBoolean(),
        v.get("implicit").asBoolean(),
        v.get("alpha").asDouble(),
        v.get("reg").asDouble(),
        v.get("userBiasDamping").asDouble(),
        v.get("rank").asInt(),
        Vectors.strings(v.get("params")),
        Vectors.doubles(v.get("metrics")),
        Vectors.longs(v.get("counts")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void metadata(String name, JsonNode c) {
    ModelFiles.Metadata value = metadataOf(c.get("value"));
    assertEquals(c.get("value").get("factorsFormat").asText(), value.factorsFormat());
    assertEquals(c.get("json").asText(), value.toJson());
    assertEquals(value, ModelFiles.Metadata.parse(c.get("json").asText()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void invalidMetadata(String name, JsonNode c) {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelFiles.Metadata.parse(c.get("json").asText()));
    assertTrue(e.getMessage().contains(c.get("error").asText()), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void factorLines(String name, JsonNode c) {
    String line = c.get("line").asText();
    float[] factors = Vectors.floats(c.get("factors"));
    float bias = (float) c.get("bias").asDouble();
    assertEquals(line, ModelFiles.formatFactorLine(c.get("id").asLong(), bias, factors));
    ModelFiles.FactorLine parsed = ModelFiles.parseFactorLine(line, c.get("rank").asInt());
    assertEquals(c.get("id").asLong(), parsed.id());
    assertEquals(bias, parsed.bias());
    assertArrayEquals(factors, parsed.factors());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void invalidFactorLines(String name, JsonNode c) {
    String line = c.get("line").asText();
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ModelFiles.parseFactorLine(line, c.get("rank").asInt()));
    assertTrue(e.getMessage().contains(c.get("error").asText()), e.getMessage());
    assertTrue(e.getMessage().contains("'" + line + "'"), "quotes the line: " + e.getMessage());
  }

  @Test
  void everyFloatRoundTripsExactly() {
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      float[] f = {
        Float.intBitsToFloat(random.nextInt()),
        random.nextFloat() - 0.5f,
        (float) random.nextGaussian()
      };
      if (Float.isNaN(f[0])) f[0] = 1f;
      float bias = (float) random.nextGaussian();
      String line = ModelFiles.formatFactorLine(i, bias, f);
      ModelFiles.FactorLine back = ModelFiles.parseFactorLine(line, 3);
      assertEquals(new ModelFiles.FactorLine(i, bias, f), back, line);
      assertEquals(line, back.toString());
    }
  }
}
