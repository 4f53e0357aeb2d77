package moviereco.flink.speed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import moviereco.contracts.Json;
import moviereco.contracts.TopN;
import org.junit.jupiter.api.Test;

/**
 * The shared fold-in vectors (schemas/contracts/fold-in.json), which the API's basket route checks
 * too (serving/fold-in.test.ts): the same user vector and the same best movies from both.
 */
class FoldInContractTest {
  private static double num(Object v) {
    return "NaN".equals(v) ? Double.NaN : ((Number) v).doubleValue();
  }

  @SuppressWarnings("unchecked")
  @Test
  void theSpeedLayerFoldsInAsTheSharedVectorsSay() throws IOException {
    Map<String, Object> root =
        Json.parseObject(Files.readString(Path.of("..", "schemas", "contracts", "fold-in.json")));
    List<Object> cases = (List<Object>) root.get("cases");
    assertFalse(cases.isEmpty());
    for (Object o : cases) {
      Map<String, Object> c = (Map<String, Object>) o;
      String name = (String) c.get("name");
      Map<String, Object> spec = (Map<String, Object>) c.get("model");
      List<Object> idList = (List<Object>) spec.get("ids");
      List<Object> biasList = (List<Object>) spec.get("itemBias");
      List<Object> factorList = (List<Object>) spec.get("factors");
      long[] ids = new long[idList.size()];
      float[] bias = new float[ids.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = ((Number) idList.get(i)).longValue();
        bias[i] = (float) num(biasList.get(i));
      }
      float[] factors = new float[factorList.size()];
      for (int i = 0; i < factors.length; i++) factors[i] = (float) num(factorList.get(i));
      Model m =
          new Model(
              "v",
              0,
              ((Number) spec.get("rank")).intValue(),
              num(spec.get("globalMean")),
              num(spec.get("reg")),
              num(spec.get("userBiasDamping")),
              (Boolean) spec.get("implicit"),
              num(spec.get("alpha")),
              ids,
              bias,
              factors);
      List<Object> ratings = (List<Object>) c.get("ratings");
      int[] rows = new int[ratings.size()];
      float[] values = new float[ratings.size()];
      boolean[] exclude = new boolean[ids.length];
      for (int j = 0; j < rows.length; j++) {
        List<Object> r = (List<Object>) ratings.get(j);
        rows[j] = m.indexOf(((Number) r.get(0)).longValue());
        values[j] = (float) num(r.get(1));
        if (rows[j] >= 0) exclude[rows[j]] = true;
      }
      Map<String, Object> expected = (Map<String, Object>) c.get("expected");
      FoldIn.UserVector u = FoldIn.solve(m, rows, values);
      assertEquals(((Number) expected.get("n")).intValue(), u.n(), name);
      assertEquals(num(expected.get("bias")), u.bias(), 1e-9 * (1 + Math.abs(u.bias())), name);
      List<Object> x = (List<Object>) expected.get("x");
      for (int p = 0; p < x.size(); p++)
        assertEquals(num(x.get(p)), u.x()[p], 1e-9 * (1 + Math.abs(u.x()[p])), name + " x" + p);
      TopN.Result top = FoldIn.recommend(m, u, exclude, ((Number) c.get("limit")).intValue());
      List<Object> expectedIds = (List<Object>) expected.get("ids");
      List<Object> expectedScores = (List<Object>) expected.get("scores");
      long[] wantIds = new long[expectedIds.size()];
      float[] wantScores = new float[expectedIds.size()];
      for (int i = 0; i < wantIds.length; i++) {
        wantIds[i] = ((Number) expectedIds.get(i)).longValue();
        wantScores[i] = (float) num(expectedScores.get(i));
      }
      assertArrayEquals(wantIds, top.ids(), name);
      assertArrayEquals(wantScores, top.scores(), name);
    }
  }
}
