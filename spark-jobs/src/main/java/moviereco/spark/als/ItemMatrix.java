package moviereco.spark.als;

import java.io.Serializable;
import java.util.List;
import moviereco.contracts.TopN;
import org.apache.spark.sql.Row;

/**
 * Item factors as one flat float array, small enough to broadcast (87,585 movies × rank 10 is 3.5
 * MB), with the scoring loops of the batch layer: top-N for a user and nearest movies.
 */
public final class ItemMatrix implements Serializable {
  final long[] ids;
  final float[] factors;

  /** per-movie bias added to every score (all zero without biases) */
  final float[] bias;

  final float[] norms;
  final int rank;

  ItemMatrix(long[] ids, float[] factors, float[] bias, int rank) {
    this.ids = ids;
    this.factors = factors;
    this.bias = bias;
    this.rank = rank;
    this.norms = new float[ids.length];
    for (int i = 0; i < ids.length; i++) {
      double s = 0;
      for (int k = 0; k < rank; k++) s += (double) factors[i * rank + k] * factors[i * rank + k];
      norms[i] = (float) Math.sqrt(s);
    }
  }

  /** From rows (id, features array<float>, bias float) as {@code Biases.itemFactors} gives them. */
  static ItemMatrix fromRows(List<Row> rows, int rank) {
    long[] ids = new long[rows.size()];
    float[] factors = new float[rows.size() * rank];
    float[] bias = new float[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      ids[i] = ((Number) r.get(0)).longValue();
      List<Float> f = r.getList(1);
      for (int k = 0; k < rank; k++) factors[i * rank + k] = f.get(k);
      bias[i] = r.isNullAt(2) ? 0f : ((Number) r.get(2)).floatValue();
    }
    return new ItemMatrix(ids, factors, bias, rank);
  }

  public int size() {
    return ids.length;
  }

  /**
   * The n best movies for a user vector, skipping the ones in {@code excludeSorted} (sorted ids),
   * in {@link TopN}'s order (ties: smaller movie id first). O(movies × rank + movies × log n).
   */
  public TopN.Result topN(float[] user, long[] excludeSorted, int n) {
    return topN(user, 0f, excludeSorted, n);
  }

  /** As above; a score is {@code offset + movie bias + user · movie} (offset: mean + user bias). */
  public TopN.Result topN(float[] user, float offset, long[] excludeSorted, int n) {
    TopN top = new TopN(n).exclude(excludeSorted);
    for (int i = 0; i < ids.length; i++) {
      float s = offset + bias[i];
      int base = i * rank;
      for (int k = 0; k < rank; k++) s += user[k] * factors[base + k];
      top.offer(ids[i], s);
    }
    return top.result();
  }

  /**
   * The n movies nearest to movie {@code i} (an index) by cosine of their factors, itself and
   * movies with all-zero factors excluded, in {@link TopN}'s order.
   */
  public TopN.Result similar(int i, int n) {
    float[] v = new float[rank];
    System.arraycopy(factors, i * rank, v, 0, rank);
    float norm = norms[i];
    TopN top = new TopN(n);
    for (int j = 0; j < ids.length; j++) {
      if (j == i || norms[j] == 0) continue;
      float s = 0;
      int base = j * rank;
      for (int k = 0; k < rank; k++) s += v[k] * factors[base + k];
      top.offer(ids[j], s / (norm * norms[j]));
    }
    return top.result();
  }
}
