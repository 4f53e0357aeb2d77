package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class TopNTest {
  @Test
  void keepsTheLargestBestFirstWithTiesByRow() {
    TopN top = new TopN(3);
    float[] scores = {0.5f, 2f, 1f, 2f, 3f, -1f};
    for (int i = 0; i < scores.length; i++) top.offer(i, scores[i]);
    TopN.Result r = top.result(new long[] {100, 101, 102, 103, 104, 105});
    assertArrayEquals(new long[] {104, 101, 103}, r.ids());
    assertArrayEquals(new float[] {3f, 2f, 2f}, r.scores());
  }

  @Test
  void returnsFewerWhenFewerAreOffered() {
    TopN top = new TopN(10);
    top.offer(0, 1f);
    top.offer(1, 2f);
    assertArrayEquals(new long[] {8, 7}, top.result(new long[] {7, 8}).ids());
  }
}
