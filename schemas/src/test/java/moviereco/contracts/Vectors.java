package moviereco.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** Reads the shared test vectors in ../contracts/ (the tests run in the schemas folder). */
final class Vectors {
  private Vectors() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode read(String file) {
    try {
      JsonNode root = JSON.readTree(new File("contracts", file));
      if (!root.path("description").isTextual())
        throw new AssertionError(file + " has no description");
      return root;
    } catch (IOException e) {
      throw new AssertionError("cannot read contracts/" + file, e);
    }
  }

  /** The elements of an array of the file, each named by its "name" (or "line") for the report. */
  static Stream<Arguments> cases(String file, String array) {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode c : read(file).path(array)) {
      String name = c.has("name") ? c.get("name").asText() : c.path("line").asText();
      out.add(Arguments.of(name, c));
    }
    if (out.isEmpty()) throw new AssertionError(file + " has no " + array);
    return out.stream();
  }

  static double number(JsonNode n) {
    return n.isTextual() ? Double.parseDouble(n.asText()) : n.asDouble();
  }

  static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = (float) number(array.get(i));
    return out;
  }

  static Map<String, Double> doubles(JsonNode object) {
    Map<String, Double> out = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), number(e.getValue())));
    return out;
  }

  static Map<String, Long> longs(JsonNode object) {
    Map<String, Long> out = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asLong()));
    return out;
  }

  static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}
