package moviereco.contracts;

import java.util.Arrays;

/**
 * The n best of a stream of (movie id, score), for both layers with one order: a higher score
 * first, equal scores by the smaller movie id first. Ids in the exclusion list are skipped, and so
 * are NaN scores. A bounded heap of primitive arrays whose top is the worst kept entry; reusable
 * after {@link #result()}.
 */
public final class TopN {
  /** Movie ids and their scores, best first. */
  public record Result(long[] ids, float[] scores) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Result r && Arrays.equals(r.ids, ids) && Arrays.equals(r.scores, scores);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(ids) * 31 + Arrays.hashCode(scores);
    }

    @Override
    public String toString() {
      return "Result" + Arrays.toString(ids) + Arrays.toString(scores);
    }
  }

  private final int capacity;
  private final long[] ids;
  private final float[] scores;
  private long[] excludeSorted;
  private int size;

  public TopN(int capacity) {
    if (capacity < 0) throw new IllegalArgumentException("top-N of " + capacity);
    this.capacity = capacity;
    this.ids = new long[capacity];
    this.scores = new float[capacity];
  }

  /** Skip these ids (sorted ascending; null for none) until the next call. */
  public TopN exclude(long[] sortedIds) {
    this.excludeSorted = sortedIds;
    return this;
  }

  /** True if (score a, id a) ranks before (score b, id b). */
  public static boolean before(float scoreA, long idA, float scoreB, long idB) {
    return scoreA > scoreB || (scoreA == scoreB && idA < idB);
  }

  public int size() {
    return size;
  }

  /**
   * The least score an offer needs to be kept: the worst kept score once full (an equal score is
   * kept only with a smaller id), else minus infinity. A scoring loop can skip the offer of a score
   * below it, with the same result.
   */
  public float threshold() {
    if (size < capacity) return Float.NEGATIVE_INFINITY;
    return capacity == 0 ? Float.POSITIVE_INFINITY : scores[0];
  }

  public void offer(long id, float score) {
    if (score != score) return; // NaN
    if (size == capacity) {
      if (capacity == 0 || !before(score, id, scores[0], ids[0])) return;
    }
    if (excludeSorted != null && Arrays.binarySearch(excludeSorted, id) >= 0) return;
    if (size < capacity) {
      ids[size] = id;
      scores[size] = score;
      siftUp(size++);
    } else {
      ids[0] = id;
      scores[0] = score;
      siftDown(0);
    }
  }

  /** The kept entries best first; empties the heap (the exclusion list stays). */
  public Result result() {
    int n = size;
    long[] outIds = new long[n];
    float[] outScores = new float[n];
    for (int i = n - 1; i >= 0; i--) {
      outIds[i] = ids[0];
      outScores[i] = scores[0];
      size--;
      ids[0] = ids[size];
      scores[0] = scores[size];
      siftDown(0);
    }
    return new Result(outIds, outScores);
  }

  /** Entry a is worse than entry b (nearer the heap's top). */
  private boolean worse(int a, int b) {
    return before(scores[b], ids[b], scores[a], ids[a]);
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!worse(i, parent)) return;
      swap(i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int min = i;
      if (l < size && worse(l, min)) min = l;
      if (r < size && worse(r, min)) min = r;
      if (min == i) return;
      swap(i, min);
      i = min;
    }
  }

  private void swap(int a, int b) {
    long id = ids[a];
    ids[a] = ids[b];
    ids[b] = id;
    float s = scores[a];
    scores[a] = scores[b];
    scores[b] = s;
  }
}
