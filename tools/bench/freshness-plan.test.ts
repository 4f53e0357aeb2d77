import { describe, expect, it } from 'vitest';
import { createBackgroundPicker, createProbeCycle, probePool, sustained, usersToReset } from './freshness-plan.ts';

describe('bench > freshness plan', () => {
  it('spreads the probe pool evenly over the users and knows its members', () => {
    const pool = probePool(200_948, 1000);
    expect(pool.ids).toHaveLength(1000);
    expect(pool.ids.slice(0, 2)).toEqual([200, 400]);
    expect(pool.has(400)).toBe(true);
    expect(pool.has(401)).toBe(false);
    // past the pool's last member a multiple of the stride is a background user
    expect(pool.has(200_800)).toBe(false);
    const small = probePool(610, 61);
    expect(small.ids).toHaveLength(61);
    expect(small.ids.at(-1)).toBe(610);
    expect(() => probePool(1, 10)).toThrow(RangeError);
  });

  it('never gives the background a probe user, skewed or uniform', () => {
    const pool = probePool(1000, 100);
    for (const s of [1, 0]) {
      const pick = createBackgroundPicker({ users: 1000, s, seed: 3, rankSeed: 1, isProbe: pool.has });
      const seen = new Set<number>();
      for (let i = 0; i < 5_000; i++) {
        const id = pick();
        expect(pool.has(id)).toBe(false);
        expect(id).toBeGreaterThanOrEqual(1);
        expect(id).toBeLessThanOrEqual(1000);
        seen.add(id);
      }
      expect(seen.size).toBeGreaterThan(s === 0 ? 850 : 400);
    }
  });

  it("keeps the same users busy from step to step: the ranks are the run's, the draws the step's", () => {
    const pool = probePool(200_948, 1000);
    const busiest = (seed: number, rankSeed: number) => {
      const pick = createBackgroundPicker({ users: 200_948, s: 1, seed, rankSeed, isProbe: pool.has });
      const counts = new Map<number, number>();
      for (let i = 0; i < 20_000; i++) {
        const id = pick();
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return new Set(
        [...counts]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 10)
          .map(([id]) => id),
      );
    };
    const step1 = busiest(1001, 1);
    const step2 = busiest(2001, 1);
    const otherRun = busiest(1001, 2);
    expect([...step1].filter((id) => step2.has(id)).length).toBeGreaterThanOrEqual(8);
    expect([...step1].filter((id) => otherRun.has(id)).length).toBeLessThanOrEqual(1);
  });

  it('resets the histories of the probe pool and of the users the background rates most', () => {
    const pool = probePool(200_948, 1000);
    const reset = usersToReset({ users: 200_948, s: 1, rankSeed: 1, busiest: 2000, pool: pool.ids });
    const pick = createBackgroundPicker({ users: 200_948, s: 1, seed: 1001, rankSeed: 1, isProbe: pool.has });
    let covered = 0;
    const draws = 50_000;
    for (let i = 0; i < draws; i++) if (reset.has(pick())) covered++;
    // the top 2,000 of 200,948 ranks draw H(2000) / H(200,948) ≈ 64% of the ratings (s = 1)
    expect(covered / draws).toBeGreaterThan(0.6);
    expect(covered / draws).toBeLessThan(0.68);
    for (const id of pool.ids) expect(reset.has(id)).toBe(true);
    expect(reset.size).toBeLessThanOrEqual(3000);
    // another run's ranks are other users; a uniform background has no busiest users
    const other = usersToReset({ users: 200_948, s: 1, rankSeed: 2, busiest: 2000, pool: [] });
    expect([...other].filter((id) => reset.has(id)).length).toBeLessThan(100);
    expect(usersToReset({ users: 200_948, s: 0, rankSeed: 1, busiest: 2000, pool: pool.ids }).size).toBe(1000);
  });

  it('probes every pool user once as a first sight, then cycles, skipping users with a probe outstanding', () => {
    const cycle = createProbeCycle([10, 20, 30], 1);
    const none = new Set<number>();
    const first = [cycle.next(none), cycle.next(none), cycle.next(none)];
    expect(first.every((p) => p?.firstSight)).toBe(true);
    expect(new Set(first.map((p) => p?.userId))).toEqual(new Set([10, 20, 30]));
    const again = cycle.next(none);
    expect(again).toEqual({ userId: first[0]!.userId, firstSight: false });
    const busy = new Set([first[1]!.userId]);
    expect(cycle.next(busy)?.userId).toBe(first[2]!.userId);
    expect(cycle.next(new Set([10, 20, 30]))).toBeUndefined();
    expect(cycle.taken).toBe(5);
  });

  it('calls a rate sustained only with the rate kept, no probe lost, p99 and the backlog left under the limit', () => {
    const ok = { rate: 1000, achieved: 990, p99: 400, lost: 0, drainMs: 300 };
    expect(sustained(ok)).toBe(true);
    expect(sustained({ ...ok, achieved: 900 })).toBe(false);
    expect(sustained({ ...ok, lost: 1 })).toBe(false);
    expect(sustained({ ...ok, p99: 1000 })).toBe(false);
    expect(sustained({ ...ok, drainMs: 1500 })).toBe(false);
    expect(sustained({ ...ok, p99: 400 }, 250)).toBe(false);
    expect(sustained({ ...ok, p99: Number.NaN })).toBe(false);
    expect(sustained({ ...ok, drainMs: Number.NaN })).toBe(false);
  });
});
