import { describe, expect, it } from 'vitest';
import { createBatchView } from './batch-view.ts';
import type { RecommendationRow } from './store.ts';

const row = (version: string, ...ids: number[]): RecommendationRow => ({
  modelVersion: version,
  computedAt: 1234,
  items: ids.map((movieId, i) => ({ movieId, score: 4.5 - i / 4 })),
});
const plain = (r: { movieIds: ArrayLike<number>; scores: ArrayLike<number> } | null | undefined) =>
  r ? { ids: Array.from(r.movieIds), scores: Array.from(r.scores) } : r;

describe('serving > batch-view', () => {
  it('reads a row once per version and serves it from memory after', async () => {
    const view = createBatchView({ budgetBytes: 1 << 20 });
    let reads = 0;
    const read = async () => {
      reads++;
      return row('v1', 5, 6, 7);
    };
    expect(view.peek(1, 'v1')).toBeUndefined();
    const first = await view.get(1, 'v1', read);
    expect(plain(first)).toEqual({ ids: [5, 6, 7], scores: [4.5, 4.25, 4] });
    expect(first).toMatchObject({ modelVersion: 'v1', computedAt: 1234 });
    expect(plain(view.peek(1, 'v1'))).toEqual(plain(first));
    expect(plain(await view.get(1, 'v1', read))).toEqual(plain(first));
    expect(reads).toBe(1);
    expect(view.stats()).toMatchObject({ version: 'v1', users: 1, absent: 0, hits: 2, misses: 1 });
  });

  it('remembers a user without a row, shares concurrent reads, and keeps no failed read', async () => {
    const view = createBatchView({ budgetBytes: 1 << 20 });
    let reads = 0;
    const none = async () => {
      reads++;
      return undefined;
    };
    const [a, b] = await Promise.all([view.get(9, 'v1', none), view.get(9, 'v1', none)]);
    expect([a, b, reads]).toEqual([null, null, 1]);
    expect(view.peek(9, 'v1')).toBeNull();
    await expect(view.get(3, 'v1', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(view.peek(3, 'v1')).toBeUndefined();
    expect(plain(await view.get(3, 'v1', async () => row('v1', 1)))).toEqual({ ids: [1], scores: [4.5] });
  });

  it('drops everything when another version is asked for, and keeps no row of another version', async () => {
    const view = createBatchView({ budgetBytes: 1 << 20 });
    await view.get(1, 'v1', async () => row('v1', 5));
    expect(view.peek(1, 'v2')).toBeUndefined();
    expect(view.stats()).toMatchObject({ version: 'v2', users: 0 });
    // a read that answers for an older version is passed on but not kept
    expect(plain(await view.get(1, 'v2', async () => row('v1', 5)))).toEqual({ ids: [5], scores: [4.5] });
    expect(view.peek(1, 'v2')).toBeUndefined();
    // a read of v2 that ends after a switch to v3 is not kept under v3
    let finish!: (r: RecommendationRow) => void;
    const slow = view.get(2, 'v2', () => new Promise((resolve) => (finish = resolve)));
    view.peek(99, 'v3');
    finish(row('v2', 8));
    await slow;
    expect(view.stats()).toMatchObject({ version: 'v3', users: 0 });
  });

  it('stays within its budget, evicting the least recently used users', async () => {
    // 100 items: 810 B a slot + 64 B of bookkeeping; a budget of 3 such users
    const view = createBatchView({ budgetBytes: 3 * 874, chunkUsers: 2 });
    const full = (u: number) => async () => row('v1', ...Array.from({ length: 100 }, (_, i) => u * 1000 + i));
    for (const u of [1, 2, 3]) await view.get(u, 'v1', full(u));
    view.peek(1, 'v1'); // 1 is now the most recently used
    await view.get(4, 'v1', full(4));
    expect(view.peek(2, 'v1')).toBeUndefined();
    expect(view.stats()).toMatchObject({ users: 3 });
    expect(view.stats().bytes).toBeLessThanOrEqual(view.stats().budgetBytes);
    for (const u of [1, 3, 4]) expect(Array.from(view.peek(u, 'v1')!.movieIds).slice(0, 2), `user ${u}`).toEqual([u * 1000, u * 1000 + 1]);
  });

  it('serves but does not keep a row longer than a slot', async () => {
    const view = createBatchView({ budgetBytes: 1 << 20, rowItems: 2 });
    expect(plain(await view.get(1, 'v1', async () => row('v1', 1, 2, 3)))).toEqual({ ids: [1, 2, 3], scores: [4.5, 4.25, 4] });
    expect(view.peek(1, 'v1')).toBeUndefined();
  });

  it('holds ml-32m in its default budget: 200,948 users of 100 items in 256 MB', () => {
    const view = createBatchView({ budgetBytes: 256 * 2 ** 20 });
    expect(view.stats().capacityUsers).toBeGreaterThan(200_948);
    expect(view.stats().bytes).toBe(0); // slabs are allocated as users come
  });
});
