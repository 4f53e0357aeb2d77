package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** contracts/ratings.json. */
class RatingRuleTest {
  static final JsonNode FILE = Vectors.read("ratings.json");

  static Stream<Arguments> cases() {
    return Vectors.cases("ratings.json", "cases");
  }

  /** {@link RatingRule#problem} or {@link RatingRule#deletionProblem}. */
  @FunctionalInterface
  interface Rule {
    String problem(long userId, long movieId, double rating, long at, long now, long skew);
  }

  static void check(Rule rule, JsonNode c) {
    String problem =
        rule.problem(
            c.get("userId").asLong(),
            c.get("movieId").asLong(),
            c.get("rating").asDouble(),
            c.get("ratedAtMillis").asLong(),
            FILE.get("nowMillis").asLong(),
            FILE.get("maxFutureSkewMillis").asLong());
    if (c.get("valid").asBoolean()) {
      assertNull(problem);
    } else {
      assertNotNull(problem, "should be invalid");
      assertTrue(problem.contains(c.get("reason").asText()), problem);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void cases(String name, JsonNode c) {
    check(RatingRule::problem, c);
  }

  static Stream<Arguments> deletions() {
    return Vectors.cases("ratings.json", "deletions");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void deletions(String name, JsonNode c) {
    check(RatingRule::deletionProblem, c);
  }

  @Test
  void aFloatRatingIsJudgedLikeItsDouble() {
    assertNull(RatingRule.problem(1, 1, 3.5f, 0, 0, 0));
    assertNotNull(RatingRule.problem(1, 1, 3.3f, 0, 0, 0));
    assertNotNull(RatingRule.problem(1, 1, Double.NaN, 0, 0, 0));
  }

  @Test
  void aHugeSkewDoesNotOverflow() {
    assertNull(RatingRule.problem(1, 1, 1.0, Long.MAX_VALUE, 1_700_000_000_000L, Long.MAX_VALUE));
  }

  @Test
  void constantsAreTheDocumentedOnes() {
    assertEquals(1, RatingRule.MIN_ID);
    assertEquals(2147483647L, RatingRule.MAX_ID);
    assertEquals(0.5, RatingRule.MIN_RATING);
    assertEquals(5.0, RatingRule.MAX_RATING);
  }
}
