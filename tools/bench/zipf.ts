/**
 * Who asks: user ids drawn with a Zipf skew (a few users ask often, most rarely), as page views of
 * a real product are, plus a share of users the system has never seen. Seeded, so two runs ask
 * for the same users in the same order.
 */

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1) */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return function random() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** ranks 1..n with P(k) ∝ 1/k^s, by inverting the cumulative weights (binary search; 8 bytes per rank) */
export function createZipf({ n, s = 1, random }: { n: number; s?: number; random: () => number }): () => number {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`Zipf needs n ≥ 1, got ${n}`);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) {
    total += 1 / k ** s;
    cumulative[k - 1] = total;
  }
  return function rank() {
    const u = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** User ids 1..users in a seeded shuffle: the user at index k - 1 is the one Zipf rank k draws. */
export function rankedUsers(users: number, shuffle: () => number): Int32Array {
  const ids = new Int32Array(users);
  for (let i = 0; i < users; i++) ids[i] = i + 1;
  for (let i = users - 1; i > 0; i--) {
    const j = Math.floor(shuffle() * (i + 1));
    const t = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = t;
  }
  return ids;
}

/**
 * User ids 1..users (MovieLens ids are dense) with a Zipf skew over a seeded shuffle of them (so
 * the busy users are spread over the ids, not the lowest ones), and `unknownShare` of the draws a
 * user above the known ids, uniformly among a million. `rankSeed` seeds the shuffle apart from the
 * draws (by default one seed does both): pickers with the same `rankSeed` and other seeds find the
 * same users busy, as a stream's successive minutes do.
 */
export function createUserPicker({
  users,
  unknownShare = 0.2,
  s = 1,
  seed = 1,
  rankSeed,
}: {
  users: number;
  unknownShare?: number;
  s?: number;
  seed?: number;
  rankSeed?: number;
}) {
  const random = createRandom(seed);
  const zipf = createZipf({ n: users, s, random });
  const ids = rankedUsers(users, rankSeed === undefined ? random : createRandom(rankSeed));
  return function pickUser(): number {
    if (random() < unknownShare) return users + 1 + Math.floor(random() * 1_000_000);
    return ids[zipf() - 1]!;
  };
}
