package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelTest {
  @Test
  void findsEveryMovieRowAndNothingElse() {
    Random random = new Random(1);
    long[] ids = random.longs(20_000, 1, 300_000).distinct().toArray();
    Model m = new Model("v", 0, 1, 0, 0.1, 15, ids, new float[ids.length], new float[ids.length]);
    for (int i = 0; i < ids.length; i++) assertEquals(i, m.indexOf(ids[i]));
    java.util.Set<Long> known = new java.util.HashSet<>();
    for (long id : ids) known.add(id);
    for (long id = 300_000; id < 310_000; id++) assertEquals(-1, m.indexOf(id));
    for (long id = 1; id < 1000; id++) if (!known.contains(id)) assertEquals(-1, m.indexOf(id));
  }
}
