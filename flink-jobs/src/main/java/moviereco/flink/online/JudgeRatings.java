package moviereco.flink.online;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Judges each rating, keyed by user, against what its user was being served when it reached Kafka
 * ({@code ingestedAt}): the newest row computed before then among those seen for the user (the one
 * the look-up found, and up to three before it, kept in state). A look-up made after the speed
 * layer folded the rating in finds a newer row; the one it replaced is then what the person saw, if
 * it was seen. A hit is a rating of a movie in that row's top {@code k}, at its rank. A rating with
 * no row known from before it is skipped and counted.
 *
 * <p>Metrics: {@value #JUDGED}, {@value #SKIPPED} (counters).
 */
public class JudgeRatings extends KeyedProcessFunction<Long, Looked, OnlineHit> {
  public static final String JUDGED = "ratingsJudged";
  public static final String SKIPPED = "ratingsSkippedNothingServedBefore";

  private final int k;
  private transient ValueState<ServedMemory> memory;
  private transient Counter judged;
  private transient Counter skipped;

  public JudgeRatings(int k) {
    this.k = k;
  }

  @Override
  public void open(Configuration parameters) {
    memory =
        getRuntimeContext()
            .getState(new ValueStateDescriptor<>("served", TypeInformation.of(ServedMemory.class)));
    judged = getRuntimeContext().getMetricGroup().counter(JUDGED);
    skipped = getRuntimeContext().getMetricGroup().counter(SKIPPED);
  }

  @Override
  public void processElement(Looked l, Context ctx, Collector<OnlineHit> out) throws Exception {
    ServedMemory m = memory.value();
    if (m == null) m = new ServedMemory();
    m.remember(l.served);
    memory.update(m);
    OnlineHit hit = judge(l, m, k);
    if (hit == null) {
      skipped.inc();
    } else {
      judged.inc();
      out.collect(hit);
    }
  }

  /** The rating judged against the newest remembered row computed before it arrived, or null. */
  static OnlineHit judge(Looked l, ServedMemory m, int k) {
    Served s = m.before(l.rating.ingestedAt);
    if (s == null) return null;
    return new OnlineHit(s.source, s.modelVersion, s.rankOf(l.rating.movieId, k), l.rating.ratedAt);
  }
}
