package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** contracts/popularity.json, in the given order and reversed. */
class PopularityTest {
  static Stream<Arguments> cases() {
    return Vectors.cases("popularity.json", "cases");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void ordersAsTheContractSays(String name, JsonNode c) {
    List<Popularity.Facts> movies = new ArrayList<>();
    for (JsonNode m : c.get("movies"))
      movies.add(
          new Popularity.Facts(
              m.get(0).asLong(),
              m.get(1).asLong(),
              m.get(2).isNull() ? null : (float) m.get(2).asDouble()));
    long[] expected = new long[c.get("expected").size()];
    for (int i = 0; i < expected.length; i++) expected[i] = c.get("expected").get(i).asLong();
    assertArrayEquals(expected, Popularity.top(movies, expected.length));
    Collections.reverse(movies);
    assertArrayEquals(expected, Popularity.top(movies, expected.length));
  }
}
