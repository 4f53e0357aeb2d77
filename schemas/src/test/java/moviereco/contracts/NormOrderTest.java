package moviereco.contracts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NormOrderTest {
  @Test
  void ordersByDescendingNormWithTheLargestBiasFromEachPositionOn() {
    // norms 1, 5, 2, 0 (rank 2); biases 0.5, -1, 2, 0.25
    float[] factors = {1, 0, 3, 4, 0, 2, 0, 0};
    float[] bias = {0.5f, -1, 2, 0.25f};
    NormOrder o = new NormOrder(factors, bias, 2);
    assertEquals("[1, 2, 0, 3]", Arrays.toString(o.items));
    assertEquals("[5.0, 2.0, 1.0, 0.0]", Arrays.toString(o.norms));
    assertEquals("[2.0, 2.0, 0.5, 0.25]", Arrays.toString(o.biasFromHere));
  }

  @Test
  void aNaNNormOrBiasIsNeverPassedOver() {
    float[] factors = {1, 0, Float.NaN, 0, 3, 0};
    float[] bias = {0, 0, Float.NaN};
    NormOrder o = new NormOrder(factors, bias, 2);
    assertEquals(1, o.items[0]);
    assertEquals(Double.POSITIVE_INFINITY, o.norms[0]);
    // the NaN bias (item 2, norm 3) is at position 1: the bound from there back is infinite
    assertEquals(Double.POSITIVE_INFINITY, o.biasFromHere[1]);
    assertEquals(Double.POSITIVE_INFINITY, o.biasFromHere[0]);
    assertFalse(o.exhausted(0, 0, 1, Float.MAX_VALUE));
    assertFalse(o.exhausted(1, 0, 1, Float.MAX_VALUE));
    assertTrue(o.exhausted(2, 0, 1, 1.01f));
  }

  /** Scored as both layers score: offset + bias first, then each factor's product, in float. */
  private static float score(float offset, float bias, float[] x, float[] factors, int item) {
    float s = offset + bias;
    for (int k = 0; k < x.length; k++) s += x[k] * factors[item * x.length + k];
    return s;
  }

  @Test
  void noItemFromAnExhaustedPositionOnReachesTheThreshold() {
    Random random = new Random(5);
    int rank = 10;
    int n = 2000;
    float[] factors = new float[n * rank];
    float[] bias = new float[n];
    for (int i = 0; i < n; i++) {
      float scale = (float) Math.exp(random.nextGaussian() * 1.5);
      for (int k = 0; k < rank; k++) factors[i * rank + k] = (float) random.nextGaussian() * scale;
      bias[i] = (float) random.nextGaussian() * 0.2f;
    }
    NormOrder o = new NormOrder(factors, bias, rank);
    int exhaustedChecks = 0;
    for (int trial = 0; trial < 200; trial++) {
      float[] x = new float[rank];
      for (int k = 0; k < rank; k++) x[k] = (float) random.nextGaussian();
      float offset = (float) random.nextGaussian() * 3;
      double xNorm = NormOrder.norm(x);
      // a threshold between two real scores, as a top-N's worst kept score would be
      float t = score(offset, bias[o.items[trial % 50]], x, factors, o.items[trial % 50]);
      for (int j = 0; j < n; j++) {
        if (!o.exhausted(j, offset, xNorm, t)) continue;
        exhaustedChecks++;
        for (int later = j; later < n; later++) {
          int item = o.items[later];
          assertTrue(
              score(offset, bias[item], x, factors, item) < t, "trial " + trial + ", j " + j);
        }
        break;
      }
    }
    assertTrue(exhaustedChecks > 50, "positions found exhausted: " + exhaustedChecks);
  }
}
