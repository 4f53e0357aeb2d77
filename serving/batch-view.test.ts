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

  it('past a budget of 64 users or more, frees a 64th of it at once, the least recently used first', async () => {
    const view = createBatchView({ budgetBytes: 128 * 874, rowItems: 2, chunkUsers: 16 });
    const slot = 2 * 8 + 8 + 2 + 64; // a slot of 2 items with its bookkeeping
    const capacity = view.stats().capacityUsers;
    for (let u = 1; u <= capacity; u++) await view.get(u, 'v1', async () => row('v1', u, u + 1));
    expect(view.stats().users).toBe(capacity);
    await view.get(capacity + 1, 'v1', async () => row('v1', 7, 8));
    const { users, bytes, budgetBytes } = view.stats();
    expect(bytes).toBeLessThanOrEqual(budgetBytes - (budgetBytes >> 6));
    expect(users).toBeGreaterThanOrEqual(capacity - Math.ceil((budgetBytes >> 6) / slot));
    expect(view.peek(1, 'v1')).toBeUndefined();
    expect(view.peek(capacity + 1, 'v1')).toBeDefined();
    expect(view.peek(capacity, 'v1')).toBeDefined();
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

  describe('load', () => {
    async function* rowsOf(list: [number, RecommendationRow][], between?: () => void) {
      for (const [userId, r] of list) {
        yield { userId, row: r };
        between?.();
      }
    }
    const never = async (): Promise<RecommendationRow | undefined> => {
      throw new Error('read although the view is complete');
    };

    it('holds every row of the version, and then knows that a user it does not hold has none', async () => {
      const view = createBatchView({ budgetBytes: 1 << 20 });
      const progress: number[] = [];
      const result = await view.load(
        'v1',
        rowsOf([
          [1, row('v1', 5, 6)],
          [2, row('v1', 7)],
          [3, row('v0', 9)],
        ]),
        (n) => progress.push(n),
      );
      expect(result).toEqual({ rows: 3, held: 2, complete: true, superseded: false });
      expect(plain(view.peek(1, 'v1'))).toEqual({ ids: [5, 6], scores: [4.5, 4.25] });
      // user 3's row is of another version: the user has none of v1, and nobody is read
      expect(await view.get(3, 'v1', never)).toBeNull();
      expect(await view.get(424242, 'v1', never)).toBeNull();
      expect(view.stats()).toMatchObject({ version: 'v1', users: 2, complete: true, misses: 0 });
      expect(progress).toEqual([]);
    });

    it('is not complete when the budget does not hold every row: the rest is read on demand', async () => {
      const view = createBatchView({ budgetBytes: 2 * 874 });
      const full = (u: number) => row('v1', ...Array.from({ length: 100 }, (_, i) => u * 1000 + i));
      const result = await view.load('v1', rowsOf([1, 2, 3].map((u) => [u, full(u)])));
      expect(result).toMatchObject({ rows: 3, held: 2, complete: false });
      expect(view.peek(3, 'v1')).toBeUndefined();
      expect(Array.from((await view.get(3, 'v1', async () => full(3)))!.movieIds).slice(0, 1)).toEqual([3000]);
    });

    it('stops when another version is asked for meanwhile, and a switch ends completeness', async () => {
      const view = createBatchView({ budgetBytes: 1 << 20 });
      const result = await view.load(
        'v1',
        rowsOf(
          [
            [1, row('v1', 5)],
            [2, row('v1', 6)],
          ],
          () => view.peek(1, 'v2'),
        ),
      );
      expect(result).toMatchObject({ complete: false, superseded: true });
      expect(view.stats()).toMatchObject({ version: 'v2', users: 0, complete: false });

      await view.load('v2', rowsOf([[1, row('v2', 5)]]));
      expect(view.stats().complete).toBe(true);
      expect(view.peek(2, 'v3')).toBeUndefined();
      expect(view.stats()).toMatchObject({ version: 'v3', complete: false });
    });

    it('keeps what it held when the read fails, not complete', async () => {
      const view = createBatchView({ budgetBytes: 1 << 20 });
      async function* failing() {
        yield { userId: 1, row: row('v1', 5) };
        throw new Error('Cassandra timed out');
      }
      await expect(view.load('v1', failing())).rejects.toThrow('timed out');
      expect(plain(view.peek(1, 'v1'))).toEqual({ ids: [5], scores: [4.5] });
      expect(view.peek(2, 'v1')).toBeUndefined();
      expect(view.stats().complete).toBe(false);
    });
  });
});
