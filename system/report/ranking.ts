/**
 * The speed-layer report's arithmetic, pure: how the newer ratings are cut per user into a part
 * the system sees and a part held out, and the ranking metrics of a top-k list against the
 * held-out ratings (the same definitions as the batch job's Spark RankingMetrics: precision over
 * k, recall over the relevant count, binary-gain NDCG).
 */

export interface TimedRating {
  userId: number;
  movieId: number;
  rating: number;
  /** epoch seconds, as in ratings.csv */
  ratedAt: number;
}

export interface LiveSplit {
  /** each user's first half of their newer ratings, in time order: replayed into Kafka */
  replay: TimedRating[];
  /** each user's later ratings, never shown to the system: what the lists are judged on */
  heldOut: Map<number, TimedRating[]>;
}

/**
 * Per user, in time order: the first ceil(n/2) of the user's newer ratings are replayed, the rest
 * held out. A user with a single newer rating is replayed and not judged (nothing is left to judge).
 */
export function splitPerUser(live: readonly TimedRating[]): LiveSplit {
  const byUser = new Map<number, TimedRating[]>();
  for (const r of live) {
    const list = byUser.get(r.userId);
    if (list) list.push(r);
    else byUser.set(r.userId, [r]);
  }
  const replay: TimedRating[] = [];
  const heldOut = new Map<number, TimedRating[]>();
  for (const [userId, list] of byUser) {
    list.sort((a, b) => a.ratedAt - b.ratedAt || a.movieId - b.movieId);
    const cut = Math.ceil(list.length / 2);
    replay.push(...list.slice(0, cut));
    if (cut < list.length) heldOut.set(userId, list.slice(cut));
  }
  replay.sort((a, b) => a.ratedAt - b.ratedAt || a.userId - b.userId || a.movieId - b.movieId);
  return { replay, heldOut };
}

export interface RankingScores {
  precision: number;
  recall: number;
  ndcg: number;
  /** 1 when at least one relevant movie is in the list */
  hit: number;
}

/** Metrics of the first k of `recommended` against the relevant set (which must not be empty). */
export function rankingAt(recommended: readonly number[], relevant: ReadonlySet<number>, k: number): RankingScores {
  if (relevant.size === 0) throw new Error('rankingAt: no relevant items');
  const top = recommended.slice(0, k);
  let hits = 0;
  let dcg = 0;
  top.forEach((movieId, i) => {
    if (relevant.has(movieId)) {
      hits++;
      dcg += 1 / Math.log2(i + 2);
    }
  });
  let idcg = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) idcg += 1 / Math.log2(i + 2);
  return { precision: hits / k, recall: hits / relevant.size, ndcg: dcg / idcg, hit: hits > 0 ? 1 : 0 };
}

export function meanScores(scores: readonly RankingScores[]): RankingScores {
  const n = scores.length || 1;
  const sum = (f: (s: RankingScores) => number) => scores.reduce((t, s) => t + f(s), 0) / n;
  return { precision: sum((s) => s.precision), recall: sum((s) => s.recall), ndcg: sum((s) => s.ndcg), hit: sum((s) => s.hit) };
}

/** Standard error of the mean of the values (sample standard deviation over √n); 0 for fewer than two. */
export function standardError(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const mean = values.reduce((t, v) => t + v, 0) / n;
  const variance = values.reduce((t, v) => t + (v - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(variance / n);
}
