/**
 * The pure parts of `npm run bench:freshness`: which users the probes rate and which the
 * background load rates (never the same, so a probe's speed row is computed from the probe and not
 * from a background rating that happened to be recomputed after it), the order probes take them
 * in, and when a step's rate counts as sustained.
 */
import { createRandom, createUserPicker, rankedUsers } from './zipf.ts';

/** At most `size` users spread evenly over 1..users: every `stride`-th id. */
export function probePool(users: number, size: number): { ids: number[]; has(userId: number): boolean } {
  if (!(Number.isInteger(users) && users >= 2)) throw new RangeError(`the probe pool needs at least 2 users, got ${users}`);
  const stride = Math.max(2, Math.floor(users / Math.max(1, size)));
  const ids: number[] = [];
  for (let id = stride; id <= users && ids.length < size; id += stride) ids.push(id);
  const last = ids[ids.length - 1]!;
  return { ids, has: (userId) => userId % stride === 0 && userId <= last };
}

/**
 * Background users: Zipf-drawn (s; 0 is uniform) over 1..users as the API bench draws them, never a
 * probe user. `rankSeed` says which users are busy (the run's, the same in every step), `seed`
 * the draws (the step's).
 */
export function createBackgroundPicker({
  users,
  s,
  seed,
  rankSeed,
  isProbe,
}: {
  users: number;
  s: number;
  seed: number;
  rankSeed: number;
  isProbe: (id: number) => boolean;
}) {
  const pick =
    s > 0
      ? createUserPicker({ users, unknownShare: 0, s, seed, rankSeed })
      : (
          (random) => () =>
            1 + Math.floor(random() * users)
        )(createRandom(seed));
  return function backgroundUser(): number {
    for (;;) {
      const id = pick();
      if (!isProbe(id)) return id;
    }
  };
}

/**
 * The users whose histories a run lengthens most, to start each run from the dataset's histories
 * (reset-histories.ts): the probe pool and the background's `busiest` top ranks (none when the
 * background is uniform, s = 0). With s = 1 over 200,948 users the top 2,000 ranks draw 64% of
 * the background's ratings; each other user gains under one rating in a run of three steps.
 */
export function usersToReset({
  users,
  s,
  rankSeed,
  busiest,
  pool,
}: {
  users: number;
  s: number;
  rankSeed: number;
  busiest: number;
  pool: readonly number[];
}): Set<number> {
  const reset = new Set(pool);
  if (s > 0) for (const id of rankedUsers(users, createRandom(rankSeed)).subarray(0, busiest)) reset.add(id);
  return reset;
}

/**
 * Probe users in a seeded shuffled order, cycled: the first pass rates every pool user once (each
 * one's first sight, with its history read from Cassandra), later passes users the job holds.
 * Skips users with a probe outstanding; undefined when every user has one.
 */
export function createProbeCycle(ids: readonly number[], seed: number) {
  const random = createRandom(seed);
  const order = [...ids];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  let next = 0;
  let taken = 0;
  return {
    next(outstanding: { has(id: number): boolean }): { userId: number; firstSight: boolean } | undefined {
      for (let tries = 0; tries < order.length; tries++) {
        const userId = order[next % order.length]!;
        const firstSight = next < order.length;
        next++;
        if (!outstanding.has(userId)) {
          taken++;
          return { userId, firstSight };
        }
      }
      return undefined;
    },
    get taken() {
      return taken;
    },
  };
}

export interface StepOutcome {
  rate: number;
  /** background ratings sent per second over the step */
  achieved: number;
  /** probe latency p99 in ms (NaN without probes) */
  p99: number;
  /** probes never seen served within the probe timeout, or not sent because every pool user had one outstanding */
  lost: number;
  /** the backlog when the step's load stopped: ms until ratings sent then came out as speed rows */
  drainMs: number;
}

/**
 * A rate is sustained when the load generator kept it (95%), no probe was lost, the probes' p99 is
 * under `p99LimitMs`, and the backlog the step left drains within that limit too (a backlog that
 * grew during the step shows there even if the probes' p99 has not caught up with it yet).
 */
export function sustained(step: StepOutcome, p99LimitMs = 1000): boolean {
  return step.achieved >= step.rate * 0.95 && step.lost === 0 && step.p99 < p99LimitMs && step.drainMs < p99LimitMs;
}
