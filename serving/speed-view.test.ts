import { describe, expect, it } from 'vitest';
import { createSpeedView } from './speed-view.ts';
import type { RecommendationRow } from './store.ts';

const row = (computedAt: number, first = 10): RecommendationRow => ({
  modelVersion: 'v1',
  computedAt,
  items: [
    { movieId: first, score: 0.5 },
    { movieId: first + 1, score: 0.25 },
  ],
});

function setup(options: { ttlMs?: number; settleMs?: number; maxUsers?: number } = {}) {
  let t = 1_000_000;
  const view = createSpeedView({ maxUsers: options.maxUsers ?? 10, ttlMs: options.ttlMs ?? 30_000, settleMs: options.settleMs ?? 3000, now: () => t });
  let reads = 0;
  let stored: RecommendationRow | undefined = row(t - 5000);
  const get = (userId = 7, version: string | undefined = 'v1') =>
    view.get(userId, version, async () => {
      reads++;
      return stored;
    });
  return {
    view,
    get,
    reads: () => reads,
    advance: (ms: number) => {
      t += ms;
    },
    now: () => t,
    store: (r: RecommendationRow | undefined) => {
      stored = r;
    },
  };
}

describe('serving > speed view', () => {
  it('serves a row from memory once read, in compact form, while the signals flow', async () => {
    const s = setup();
    s.view.setLive(true);
    const first = await s.get();
    const second = await s.get();
    expect(s.reads()).toBe(1);
    expect(Array.from(second!.movieIds)).toEqual([10, 11]);
    expect(Array.from(second!.scores)).toEqual([0.5, 0.25]);
    expect(second).toEqual(first);
    expect(s.view.stats()).toMatchObject({ hits: 1, misses: 1, users: 1 });
  });

  it('holds "no speed row" too: unknown users cost no read', async () => {
    const s = setup();
    s.view.setLive(true);
    s.store(undefined);
    expect(await s.get(99)).toBeNull();
    expect(await s.get(99)).toBeNull();
    expect(s.reads()).toBe(1);
  });

  it('holds nothing while the signals do not flow, and drops what it held when they stop', async () => {
    const s = setup();
    await s.get();
    await s.get();
    expect(s.reads()).toBe(2);
    s.view.setLive(true);
    await s.get();
    await s.get();
    expect(s.reads()).toBe(3);
    s.view.setLive(false);
    await s.get();
    expect(s.reads()).toBe(4);
  });

  it("a rating seen drops the user's row; rows read while it settles are not held; the successor row is", async () => {
    const s = setup({ settleMs: 3000 });
    s.view.setLive(true);
    await s.get();
    const ratedAt = s.now();
    s.view.rated(7, ratedAt);
    // the speed layer has not written yet: the old row is read, served, not held
    await s.get();
    await s.get();
    expect(s.reads()).toBe(3);
    // it writes the new row 400 ms later; within the settling time it is still read each time
    s.advance(400);
    s.store(row(s.now(), 20));
    expect(Array.from((await s.get())!.movieIds)).toEqual([20, 21]);
    expect(s.reads()).toBe(4);
    // after the settling time the row computed after the rating is held
    s.advance(3000);
    await s.get();
    await s.get();
    expect(s.reads()).toBe(5);
    expect(s.view.stats().invalidations).toBe(1);
  });

  it('a lagging speed layer: a row older than the rating is not held past the settling time, until the rating is a TTL old', async () => {
    const s = setup({ settleMs: 1000, ttlMs: 10_000 });
    s.view.setLive(true);
    const ratedAt = s.now();
    s.view.rated(7, ratedAt);
    s.advance(2000);
    await s.get();
    await s.get();
    expect(s.reads()).toBe(2); // the row predates the rating: read every time
    s.advance(9000); // the rating is 11 s old: the speed layer wrote nothing for it (older than the model)
    await s.get();
    await s.get();
    expect(s.reads()).toBe(3);
  });

  it('a lagging speed layer: a row computed after the rating from older input is not held; the one that folds the rating in is', async () => {
    // the e2e deletion: the job, seconds behind, wrote a row after the deletion was sent, from the ratings before it
    const s = setup({ settleMs: 1000, ttlMs: 30_000 });
    s.view.setLive(true);
    const deletedAt = s.now();
    s.view.rated(7, deletedAt);
    s.advance(2000);
    s.store({ ...row(deletedAt + 900, 20), ratedUntil: deletedAt - 400 }); // computed after, folds in only what came before
    expect((await s.get())?.movieIds[0]).toBe(20);
    await s.get();
    expect(s.reads()).toBe(2); // not held: every request reads until the successor is written
    s.store({ ...row(deletedAt + 3600, 30), ratedUntil: deletedAt });
    expect((await s.get())?.movieIds[0]).toBe(30);
    expect((await s.get())?.movieIds[0]).toBe(30);
    expect(s.reads()).toBe(3); // the row that folds the deletion in is held
  });

  it('a rating seen while a read is in flight keeps that read from being held', async () => {
    const s = setup();
    s.view.setLive(true);
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const pending = s.view.get(7, 'v1', async () => {
      await gate;
      return row(s.now() - 1000);
    });
    s.view.rated(7, s.now());
    release();
    await pending;
    await s.get();
    expect(s.reads()).toBe(1); // the second get read again: nothing was held
  });

  it('rows are held per model version and for at most the TTL; the least recently used user goes first', async () => {
    const s = setup({ ttlMs: 5000, maxUsers: 2 });
    s.view.setLive(true);
    await s.get(1);
    await s.get(1, 'v2');
    expect(s.reads()).toBe(2);
    s.advance(5001);
    await s.get(1, 'v2');
    expect(s.reads()).toBe(3);
    await s.get(2);
    await s.get(1, 'v2'); // 1 most recently used
    await s.get(3); // evicts 2
    expect(s.view.stats().users).toBe(2);
    const before = s.reads();
    await s.get(1, 'v2');
    expect(s.reads()).toBe(before);
    await s.get(2);
    expect(s.reads()).toBe(before + 1);
  });
});
