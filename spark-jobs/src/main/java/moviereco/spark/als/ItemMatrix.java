package moviereco.spark.als;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * Item factors as one flat float array, small enough to broadcast (87,585 movies × rank 10 is
 * 3.5 MB), with the scoring loops of the batch layer: top-N for a user and nearest movies.
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

  /** Result of a top-N selection: ids and scores, best first. */
  public record Scored(long[] ids, float[] scores) implements Serializable {}

  /**
   * The n best movies for a user vector, skipping the ones in {@code excludeSorted} (sorted ids).
   * A bounded min-heap over all movies: O(movies × rank + movies × log n).
   */
  public Scored topN(float[] user, long[] excludeSorted, int n) {
    return topN(user, 0f, excludeSorted, n);
  }

  /** As above; a score is {@code offset + movie bias + user · movie} (offset: mean + user bias). */
  public Scored topN(float[] user, float offset, long[] excludeSorted, int n) {
    int[] heapIdx = new int[n];
    float[] heapScore = new float[n];
    int size = 0;
    for (int i = 0; i < ids.length; i++) {
      float s = offset + bias[i];
      int base = i * rank;
      for (int k = 0; k < rank; k++) s += user[k] * factors[base + k];
      if (size == n && s <= heapScore[0]) continue;
      if (excludeSorted != null && Arrays.binarySearch(excludeSorted, ids[i]) >= 0) continue;
      if (size < n) {
        heapIdx[size] = i;
        heapScore[size] = s;
        siftUp(heapIdx, heapScore, size++);
      } else {
        heapIdx[0] = i;
        heapScore[0] = s;
        siftDown(heapIdx, heapScore, size);
      }
    }
    return drain(heapIdx, heapScore, size);
  }

  /** The n movies nearest to movie {@code i} by cosine of their factors, itself excluded. */
  public Scored similar(int i, int n) {
    float[] v = new float[rank];
    System.arraycopy(factors, i * rank, v, 0, rank);
    float norm = norms[i];
    int[] heapIdx = new int[n];
    float[] heapScore = new float[n];
    int size = 0;
    for (int j = 0; j < ids.length; j++) {
      if (j == i || norms[j] == 0) continue;
      float s = 0;
      int base = j * rank;
      for (int k = 0; k < rank; k++) s += v[k] * factors[base + k];
      s = s / (norm * norms[j]);
      if (size < n) {
        heapIdx[size] = j;
        heapScore[size] = s;
        siftUp(heapIdx, heapScore, size++);
      } else if (s > heapScore[0]) {
        heapIdx[0] = j;
        heapScore[0] = s;
        siftDown(heapIdx, heapScore, size);
      }
    }
    return drain(heapIdx, heapScore, size);
  }

  private Scored drain(int[] heapIdx, float[] heapScore, int size) {
    long[] outIds = new long[size];
    float[] outScores = new float[size];
    for (int k = size - 1; k >= 0; k--) {
      outIds[k] = ids[heapIdx[0]];
      outScores[k] = heapScore[0];
      heapIdx[0] = heapIdx[k];
      heapScore[0] = heapScore[k];
      siftDown(heapIdx, heapScore, k);
    }
    return new Scored(outIds, outScores);
  }

  private static void siftUp(int[] idx, float[] score, int k) {
    while (k > 0) {
      int parent = (k - 1) / 2;
      if (score[parent] <= score[k]) return;
      swap(idx, score, parent, k);
      k = parent;
    }
  }

  private static void siftDown(int[] idx, float[] score, int size) {
    int k = 0;
    while (true) {
      int l = 2 * k + 1;
      int r = l + 1;
      int m = k;
      if (l < size && score[l] < score[m]) m = l;
      if (r < size && score[r] < score[m]) m = r;
      if (m == k) return;
      swap(idx, score, m, k);
      k = m;
    }
  }

  private static void swap(int[] idx, float[] score, int a, int b) {
    int t = idx[a];
    idx[a] = idx[b];
    idx[b] = t;
    float s = score[a];
    score[a] = score[b];
    score[b] = s;
  }
}
