package moviereco.flink.speed;

/** The n largest scores of a stream of (row, score), in a min-heap of primitive arrays. */
public final class TopN {
  /** Movie ids and scores, best first. */
  public record Result(long[] ids, float[] scores) {}

  private final int capacity;
  private final int[] rows;
  private final float[] scores;
  private int size;

  public TopN(int capacity) {
    this.capacity = capacity;
    this.rows = new int[capacity];
    this.scores = new float[capacity];
  }

  public void offer(int row, float score) {
    if (size < capacity) {
      rows[size] = row;
      scores[size] = score;
      siftUp(size++);
    } else if (capacity > 0 && score > scores[0]) {
      rows[0] = row;
      scores[0] = score;
      siftDown(0);
    }
  }

  /** Sorted best first; ties by row for determinism. Consumes the heap. */
  public Result result(long[] ids) {
    int n = size;
    long[] outIds = new long[n];
    float[] outScores = new float[n];
    for (int i = n - 1; i >= 0; i--) {
      outIds[i] = ids[rows[0]];
      outScores[i] = scores[0];
      size--;
      rows[0] = rows[size];
      scores[0] = scores[size];
      siftDown(0);
    }
    return new Result(outIds, outScores);
  }

  /** a is "smaller" (nearer the heap's top) than b */
  private boolean less(int a, int b) {
    return scores[a] < scores[b] || (scores[a] == scores[b] && rows[a] > rows[b]);
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) / 2;
      if (!less(i, parent)) break;
      swap(i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int min = i;
      if (l < size && less(l, min)) min = l;
      if (r < size && less(r, min)) min = r;
      if (min == i) return;
      swap(i, min);
      i = min;
    }
  }

  private void swap(int a, int b) {
    int tr = rows[a];
    rows[a] = rows[b];
    rows[b] = tr;
    float ts = scores[a];
    scores[a] = scores[b];
    scores[b] = ts;
  }
}
