package moviereco.flink.speed;

import java.util.HashMap;
import java.util.Map;

/**
 * A published batch model as the speed layer needs it: item factors and biases in flat arrays,
 * the global mean, the regularisation and the user-bias damping of the fold-in, and the data cutoff.
 */
public final class Model {
  public final String version;
  public final long dataCutoff;
  public final int rank;
  public final double globalMean;
  public final double reg;
  /** b_u = Σ(r − μ − b_i) / (n + damping); NaN when the model has no biases (b_u = 0) */
  public final double userBiasDamping;
  /** movie ids, in index order */
  public final long[] ids;
  public final float[] itemBias;
  /** row-major: factors[i * rank + f] */
  public final float[] factors;
  private final Map<Long, Integer> index;

  public Model(String version, long dataCutoff, int rank, double globalMean, double reg, double userBiasDamping, long[] ids, float[] itemBias, float[] factors) {
    if (itemBias.length != ids.length || factors.length != ids.length * rank) throw new IllegalArgumentException("factor arrays do not match " + ids.length + " items of rank " + rank);
    this.version = version;
    this.dataCutoff = dataCutoff;
    this.rank = rank;
    this.globalMean = globalMean;
    this.reg = reg;
    this.userBiasDamping = userBiasDamping;
    this.ids = ids;
    this.itemBias = itemBias;
    this.factors = factors;
    this.index = new HashMap<>(ids.length * 2);
    for (int i = 0; i < ids.length; i++) index.put(ids[i], i);
  }

  public int size() {
    return ids.length;
  }

  /** The row of a movie, or -1 if the model does not know it. */
  public int indexOf(long movieId) {
    Integer i = index.get(movieId);
    return i == null ? -1 : i;
  }
}
