package moviereco.flink.speed;

import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The rating histories one speed recommender instance holds in memory, by user, outside Flink's
 * checkpointed state: what a checkpoint would copy whole every interval (tens of MB at 32M) is
 * already in Cassandra {@code user_ratings}, so a history let go (idle for {@code idleMs}, or lost
 * with a restart) is read from there again. Least recently used first; not thread-safe (the
 * operator's thread only).
 */
final class HeldHistories {
  private static final class Held {
    final UserHistory history;
    long usedAt;

    Held(UserHistory history, long usedAt) {
      this.history = history;
      this.usedAt = usedAt;
    }
  }

  /** insertion order kept as use order: a use moves the user to the end */
  private final LinkedHashMap<Long, Held> held = new LinkedHashMap<>();

  private final long idleMs;

  /** {@code idleMs}: how long a history unused is kept (0: until the process ends) */
  HeldHistories(long idleMs) {
    this.idleMs = idleMs;
  }

  /** The user's history, or null; a use (keeps it held). */
  UserHistory use(long user, long now) {
    Held h = held.remove(user);
    if (h == null) return null;
    h.usedAt = now;
    held.put(user, h);
    letGoIdle(now);
    return h.history;
  }

  /** The user's history, or null, without counting as a use. */
  UserHistory peek(long user) {
    Held h = held.get(user);
    return h == null ? null : h.history;
  }

  void hold(long user, UserHistory history, long now) {
    held.remove(user);
    held.put(user, new Held(history, now));
    letGoIdle(now);
  }

  void remove(long user) {
    held.remove(user);
  }

  int size() {
    return held.size();
  }

  private void letGoIdle(long now) {
    if (idleMs <= 0) return;
    for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
      if (now - it.next().usedAt < idleMs) return;
      it.remove();
    }
  }
}
