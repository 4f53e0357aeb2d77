package moviereco.flink.online;

import java.util.ArrayList;
import java.util.List;

/**
 * The rows a user was seen being served, newest last, at most {@link #KEEP} (a Flink POJO in keyed
 * state): what was on the user's page when a rating arrived is the newest of them computed before
 * it.
 */
public class ServedMemory {
  static final int KEEP = 4;

  public List<Served> rows = new ArrayList<>();

  public ServedMemory() {}

  /** Remembers a row unless known; keeps the newest {@link #KEEP} by computedAt. */
  public void remember(Served s) {
    for (Served r : rows) if (r.sameAs(s)) return;
    int i = rows.size();
    while (i > 0 && rows.get(i - 1).computedAt > s.computedAt) i--;
    rows.add(i, s);
    while (rows.size() > KEEP) rows.remove(0);
  }

  /** The newest row computed before {@code at}, or null. */
  public Served before(long at) {
    for (int i = rows.size() - 1; i >= 0; i--) if (rows.get(i).computedAt < at) return rows.get(i);
    return null;
  }
}
