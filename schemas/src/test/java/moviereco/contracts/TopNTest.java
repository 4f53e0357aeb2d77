package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** contracts/top-n.json, in the given order of offers and reversed, and against a sort. */
class TopNTest {
  static Stream<Arguments> cases() {
    return Vectors.cases("top-n.json", "cases");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource
  void cases(String name, JsonNode c) {
    long[] exclude = new long[c.get("exclude").size()];
    for (int i = 0; i < exclude.length; i++) exclude[i] = c.get("exclude").get(i).asLong();
    List<JsonNode> offers = new ArrayList<>();
    c.get("offers").forEach(offers::add);
    long[] expectedIds = new long[c.get("expected").get("ids").size()];
    for (int i = 0; i < expectedIds.length; i++)
      expectedIds[i] = c.get("expected").get("ids").get(i).asLong();
    float[] expectedScores = Vectors.floats(c.get("expected").get("scores"));
    TopN top = new TopN(c.get("n").asInt()).exclude(exclude);
    for (int pass = 0; pass < 2; pass++) {
      for (JsonNode o : offers) top.offer(o.get(0).asLong(), (float) Vectors.number(o.get(1)));
      TopN.Result r = top.result();
      assertArrayEquals(expectedIds, r.ids());
      assertArrayEquals(expectedScores, r.scores());
      Collections.reverse(offers);
    }
  }

  @Test
  void agreesWithAFullSort() {
    Random random = new Random(3);
    for (int round = 0; round < 200; round++) {
      int n = random.nextInt(12);
      List<long[]> all = new ArrayList<>();
      TopN top = new TopN(n);
      for (int i = 0; i < 100; i++) {
        long id = random.nextInt(1000);
        float score = random.nextInt(8) / 4f; // many ties
        if (all.stream().anyMatch(a -> a[0] == id)) continue;
        all.add(new long[] {id, Float.floatToIntBits(score)});
        top.offer(id, score);
      }
      all.sort(
          (a, b) -> {
            float sa = Float.intBitsToFloat((int) a[1]);
            float sb = Float.intBitsToFloat((int) b[1]);
            return sa != sb ? Float.compare(sb, sa) : Long.compare(a[0], b[0]);
          });
      TopN.Result r = top.result();
      assertEquals(Math.min(n, all.size()), r.ids().length);
      for (int i = 0; i < r.ids().length; i++) assertEquals(all.get(i)[0], r.ids()[i]);
    }
  }

  @Test
  void anOfferBelowTheThresholdIsNeverKept() {
    TopN top = new TopN(2);
    assertEquals(Float.NEGATIVE_INFINITY, top.threshold());
    top.offer(5, 1f);
    assertEquals(Float.NEGATIVE_INFINITY, top.threshold());
    top.offer(7, 3f);
    assertEquals(1f, top.threshold());
    top.offer(9, 0.5f); // below: not kept
    top.offer(3, 1f); // equal with a smaller id: kept
    assertEquals(1f, top.threshold());
    assertArrayEquals(new long[] {7, 3}, top.result().ids());
    assertEquals(Float.POSITIVE_INFINITY, new TopN(0).threshold());
  }
}
