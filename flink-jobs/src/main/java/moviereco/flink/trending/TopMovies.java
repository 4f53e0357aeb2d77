package moviereco.flink.trending;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by window end: gathers the per-movie counts of one window and, once the watermark has
 * passed the window's end (so every count is in), emits the top N, most rated first.
 */
public class TopMovies extends KeyedProcessFunction<Long, MovieCount, TrendingRow> {
  private final String window;
  private final int n;
  private transient ListState<MovieCount> counts;

  public TopMovies(String window, int n) {
    this.window = window;
    this.n = n;
  }

  @Override
  public void open(Configuration parameters) {
    counts =
        getRuntimeContext()
            .getListState(
                new ListStateDescriptor<>("counts", TypeInformation.of(MovieCount.class)));
  }

  @Override
  public void processElement(MovieCount c, Context ctx, Collector<TrendingRow> out)
      throws Exception {
    counts.add(c);
    ctx.timerService().registerEventTimeTimer(c.windowEnd);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<TrendingRow> out)
      throws Exception {
    List<MovieCount> all = new ArrayList<>();
    for (MovieCount c : counts.get()) all.add(c);
    counts.clear();
    out.collect(top(window, ctx.getCurrentKey(), all, n));
  }

  /** The n most counted, ties by movie id; pure, for tests. */
  static TrendingRow top(String window, long windowEnd, List<MovieCount> all, int n) {
    all.sort(
        Comparator.comparingLong((MovieCount c) -> -c.count).thenComparingLong(c -> c.movieId));
    int size = Math.min(n, all.size());
    long[] ids = new long[size];
    long[] cs = new long[size];
    for (int i = 0; i < size; i++) {
      ids[i] = all.get(i).movieId;
      cs[i] = all.get(i).count;
    }
    return new TrendingRow(window, windowEnd, ids, cs);
  }
}
