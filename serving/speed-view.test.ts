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

// reads are shared only where a test says so (shareMs): the others count one read per request that reads
function setup(options: { ttlMs?: number; settleMs?: number; maxUsers?: number; shareMs?: number } = {}) {
  let t = 1_000_000;
  const view = createSpeedView({
    maxUsers: options.maxUsers ?? 10,
    ttlMs: options.ttlMs ?? 30_000,
    settleMs: options.settleMs ?? 3000,
    shareMs: options.shareMs ?? 0,
    now: () => t,
  });
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

  describe("shared reads (shareMs): one read answers the user's requests for shareMs from its start", () => {
    it('while a rating settles, requests within shareMs of a read share it; later ones read again', async () => {
      const s = setup({ shareMs: 50 });
      s.view.setLive(true);
      await s.get();
      s.view.rated(7, s.now());
      await s.get();
      await s.get();
      s.advance(49);
      await s.get();
      expect(s.reads()).toBe(2);
      s.advance(1);
      s.store(row(s.now(), 20));
      expect(Array.from((await s.get())!.movieIds)).toEqual([20, 21]);
      expect(s.reads()).toBe(3);
      expect(s.view.stats()).toMatchObject({ misses: 3, shared: 2 });
    });

    it('requests that come while a read is in flight wait for it: one read, the same row', async () => {
      const s = setup({ shareMs: 50 });
      s.view.setLive(true);
      let reads = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const read = async () => {
        reads++;
        await gate;
        return row(s.now() - 1000, 30);
      };
      const answers = [s.view.get(7, 'v1', read), s.view.get(7, 'v1', read), s.view.get(7, 'v1', read)];
      release();
      const rows = await Promise.all(answers);
      expect(reads).toBe(1);
      for (const r of rows) expect(Array.from(r!.movieIds)).toEqual([30, 31]);
    });

    it("a rating seen after a read began: that read answers none of the user's later requests", async () => {
      const s = setup({ shareMs: 50 });
      s.view.setLive(true);
      await s.get();
      s.view.rated(7, s.now());
      await s.get();
      s.view.rated(7, s.now());
      await s.get();
      expect(s.reads()).toBe(3);
    });

    it('no sharing across users or model versions, nor while the signals do not flow', async () => {
      const s = setup({ shareMs: 50 });
      s.view.setLive(true);
      s.view.rated(7, s.now());
      s.view.rated(8, s.now());
      await s.get(7);
      await s.get(8);
      await s.get(7, 'v2');
      expect(s.reads()).toBe(3);
      s.view.setLive(false);
      await s.get(7);
      await s.get(7);
      expect(s.reads()).toBe(5);
    });

    it('a failed read is not shared on: the next request reads again', async () => {
      const s = setup({ shareMs: 50 });
      s.view.setLive(true);
      s.view.rated(7, s.now());
      await expect(s.view.get(7, 'v1', async () => Promise.reject(new Error('no answer')))).rejects.toThrow('no answer');
      await s.get();
      expect(s.reads()).toBe(1);
    });
  });

  describe('index', () => {
    async function* keysOf(list: [number, number][], between?: () => void) {
      for (const [userId, computedAt] of list) {
        yield { userId, computedAt };
        between?.();
      }
    }
    /** live since long enough for a scan to count */
    function indexed(options: Parameters<typeof setup>[0] = {}) {
      const s = setup(options);
      s.view.setLive(true);
      s.advance(3000);
      return s;
    }

    it('answers for users it never read: not in the index, no speed row, no read', async () => {
      const s = indexed();
      expect(await s.view.scan(keysOf([[7, s.now() - 5000]]))).toBe(true);
      for (const u of [1, 2, 3, 424242]) expect(await s.get(u)).toBeNull();
      expect(s.reads()).toBe(0);
      expect(s.view.stats()).toMatchObject({ indexed: 1, hits: 4, misses: 0 });
    });

    it('serves a held row while the index shows the same computedAt, past any TTL; a newer one is read', async () => {
      const s = indexed({ ttlMs: 5000 });
      const first = s.now() - 5000;
      await s.view.scan(keysOf([[7, first]]));
      await s.get(7);
      s.advance(14_000); // past the TTL, within three scan intervals
      await s.get(7);
      expect(s.reads()).toBe(1);
      // a re-fold without a rating (after a switch) shows at the next scan
      s.store(row(s.now() - 10, 20));
      await s.view.scan(keysOf([[7, s.now() - 10]]));
      expect(Array.from((await s.get(7))!.movieIds)).toEqual([20, 21]);
      expect(s.reads()).toBe(2);
    });

    it("a user's rating makes them read until the new row settles, and the index learns it", async () => {
      const s = indexed({ settleMs: 1000 });
      await s.view.scan(keysOf([]));
      s.view.rated(5, s.now());
      s.store(undefined);
      expect(await s.get(5)).toBeNull(); // read: the speed layer has not written yet
      s.advance(1500);
      s.store({ ...row(s.now() - 100), ratedUntil: s.now() - 1500 });
      expect(await s.get(5)).not.toBeNull();
      expect(await s.get(5)).not.toBeNull();
      expect(s.reads()).toBe(2);
      expect(s.view.stats().indexed).toBe(1);
    });

    it('a row learned by a read while a scan runs is not undone by what the scan saw before it', async () => {
      const s = indexed({ settleMs: 0 });
      s.store(row(s.now()));
      // the scan passes user 8 (no row yet); meanwhile 8 rates and the new row is read
      const scanned = s.view.scan(
        keysOf([[1, 1]], () => {
          void s.get(8);
        }),
      );
      expect(await scanned).toBe(true);
      expect(s.view.stats().indexed).toBe(2);
      expect(await s.get(8)).not.toBeNull();
      expect(s.reads()).toBe(1);
    });

    it('a scan that reads rows holds them as reads would: not for a user with a rating pending, nor over a row held', async () => {
      const s = setup();
      s.view.setLive(true);
      s.advance(3000);
      await s.get(9); // held from a read: the scan leaves it
      s.view.rated(8, s.now());
      const keys = [7, 8, 9].map((userId) => ({ userId, computedAt: 100 + userId, row: row(100 + userId, userId * 10) }));
      const scanned = async function* () {
        yield* keys;
      };
      expect(await s.view.scan(scanned(), 'v1')).toBe(true);
      expect(s.view.stats()).toMatchObject({ indexed: 3, users: 2 });
      const reads = s.reads();
      expect(Array.from((await s.get(7))!.movieIds)).toEqual([70, 71]);
      expect(s.reads()).toBe(reads); // 7: from the scan, no read
      await s.get(8);
      expect(s.reads()).toBe(reads + 1); // 8 rated: read while the rating settles
    });

    it('drops an index that no scan renewed for three intervals: rows are held for the TTL again', async () => {
      const s = indexed({ ttlMs: 5000 });
      await s.view.scan(keysOf([]));
      s.advance(15_000);
      expect(await s.get(1)).toBeNull();
      expect(s.reads()).toBe(0);
      s.advance(1);
      await s.get(1);
      expect(s.reads()).toBe(1);
      expect(s.view.stats().indexed).toBeUndefined();
    });

    it('counts no scan begun before the signals flowed for the settle time, nor one a gap interrupts; a gap drops the index', async () => {
      const s = setup({ settleMs: 3000 });
      s.view.setLive(true);
      expect(await s.view.scan(keysOf([]))).toBe(false); // a rating just before the signals may still be unwritten
      s.advance(3000);
      expect(await s.view.scan(keysOf([], () => undefined))).toBe(true);
      expect(await s.view.scan(keysOf([[1, 1]], () => s.view.setLive(false)))).toBe(false);
      expect(s.view.stats().indexed).toBeUndefined();
      s.view.setLive(true);
      s.advance(3000);
      expect(await s.view.scan(keysOf([[1, 1]]))).toBe(true);
      s.view.setLive(false);
      expect(s.view.stats().indexed).toBeUndefined();
      await s.get(99);
      expect(s.reads()).toBe(1); // no index, not live: read
    });
  });

  describe('stale answers (getWithin): the last known row when the read is late or fails', () => {
    /** a view whose reads wait, once `hold` is called, until `open`; or fail while `fail` is set */
    function gated(options: Parameters<typeof setup>[0] = {}) {
      const s = setup(options);
      let gate = false;
      const waiting: (() => void)[] = [];
      let fail = false;
      let stored: RecommendationRow | undefined = row(s.now() - 5000);
      const within = (staleAfterMs: number, version = 'v1') =>
        s.view.getWithin(
          7,
          version,
          async () => {
            if (gate) await new Promise<void>((resolve) => waiting.push(resolve));
            if (fail) throw new Error('no answer');
            return stored;
          },
          staleAfterMs,
        );
      return {
        ...s,
        within,
        hold: () => {
          gate = true;
        },
        open: () => {
          gate = false;
          for (const resolve of waiting.splice(0)) resolve();
        },
        fail: (value: boolean) => {
          fail = value;
        },
        write: (r: RecommendationRow) => {
          stored = r;
        },
      };
    }
    const ids = (r: { row: { movieIds: ArrayLike<number> } | null }) => Array.from(r.row?.movieIds ?? []);
    /** a gated view, live for long enough, whose index holds a speed row of `userId` only */
    async function indexedWith(userId: number) {
      const g = gated();
      g.view.setLive(true);
      g.advance(3000);
      async function* keys() {
        yield { userId, computedAt: g.now() - 5000 };
      }
      expect(await g.view.scan(keys())).toBe(true);
      return g;
    }

    it('a held row outdated by a rating answers, marked stale, when the read is late; the read then settles and is held', async () => {
      const g = gated();
      g.view.setLive(true);
      expect(await g.within(50)).toMatchObject({ stale: false });
      g.view.rated(7, g.now());
      g.write(row(g.now() + 300, 20)); // the speed layer's new row, not yet readable
      g.hold();
      const late = await g.within(20);
      expect(late.stale).toBe(true);
      expect(ids(late)).toEqual([10, 11]); // the row held before the rating
      expect(g.view.stats()).toMatchObject({ stale: 1, invalidations: 1 });
      // the late read completes; past the settling time, the next read's row folds the rating in and is held
      g.open();
      g.advance(3500);
      expect(ids(await g.within(20))).toEqual([20, 21]);
      expect(await g.within(20)).toMatchObject({ stale: false });
      expect(g.view.stats().hits).toBe(1);
    });

    it('a request that shares a late read in flight gets its own deadline: the last known row, marked stale', async () => {
      const g = gated({ shareMs: 50 });
      g.view.setLive(true);
      await g.within(50);
      g.view.rated(7, g.now());
      g.hold();
      const [first, second] = await Promise.all([g.within(20), g.within(20)]);
      expect([first.stale, second.stale]).toEqual([true, true]);
      expect(ids(second)).toEqual([10, 11]);
      expect(g.view.stats()).toMatchObject({ misses: 2, shared: 1, stale: 2 });
      g.open();
    });

    it('a failed read answers with the last known row too; with none, the read fails', async () => {
      const g = gated();
      g.view.setLive(true);
      g.fail(true);
      await expect(g.within(50)).rejects.toThrow('no answer'); // nothing known of user 7 yet
      g.fail(false);
      await g.within(50);
      g.view.rated(7, g.now());
      g.fail(true);
      const answer = await g.within(50);
      expect(answer.stale).toBe(true);
      expect(ids(answer)).toEqual([10, 11]);
    });

    it('a row known for another model version is no stand-in, and 0 waits for the read', async () => {
      const g = gated();
      g.view.setLive(true);
      await g.within(50);
      g.view.rated(7, g.now());
      g.hold();
      const other = g.within(10, 'v2');
      const waiting = g.within(0);
      await new Promise((resolve) => setTimeout(resolve, 40));
      g.open();
      expect(await other).toMatchObject({ stale: false });
      expect(await waiting).toMatchObject({ stale: false });
      expect(g.view.stats().stale).toBe(0);
    });

    it('a user the index has no row for: none is the last known row; not once a gap dropped the index, nor for one it has a row for', async () => {
      const g = await indexedWith(8);
      g.view.rated(7, g.now());
      g.hold();
      expect(await g.within(20)).toEqual({ row: null, stale: true });
      // user 8 has a row the view never read: nothing stands in for it, the read is waited for
      const slow = async () => {
        await new Promise((resolve) => setTimeout(resolve, 60));
        return row(g.now());
      };
      const answer = await g.view.getWithin(8, 'v1', slow, 20);
      expect(answer.stale).toBe(false);
      expect(answer.row).not.toBeNull();
      // a gap: a rating may have gone unseen, so the dropped index says nothing of user 10, who
      // rated too and was never read (the read is waited for)
      g.view.rated(10, g.now());
      g.view.setLive(false);
      const after = await g.view.getWithin(10, 'v1', slow, 20);
      expect(after.stale).toBe(false);
      expect(after.row).not.toBeNull();
      g.open();
    });

    it('"no row", once the index said it to a user, stays their last known state after a gap, and pushes no held row out', async () => {
      const g = await indexedWith(1);
      let readCount = 0;
      const reads = () => {
        readCount++;
        return Promise.resolve(row(g.now() - 5000));
      };
      await g.view.get(1, 'v1', reads); // user 1's row, held
      for (let u = 100; u < 120; u++) await g.view.get(u, 'v1', reads); // more users than maxUsers (10), none with a row
      expect(await g.view.get(7, 'v1', reads)).toBeNull(); // the index: no row for user 7
      expect(await g.view.get(1, 'v1', reads)).not.toBeNull();
      expect(readCount).toBe(1); // user 1 still held: only its first request read
      // a gap drops the index; user 7 rates; their read is late: "no row" answers, marked stale
      g.view.setLive(false);
      g.view.rated(7, g.now());
      g.hold();
      expect(await g.within(20)).toEqual({ row: null, stale: true });
      g.open();
    });

    it('a gap in the signals keeps rows only as last known: read, never served from memory, until they flow again', async () => {
      const g = gated();
      g.view.setLive(true);
      await g.within(50);
      g.view.setLive(false);
      g.fail(true);
      expect(await g.within(50)).toMatchObject({ stale: true });
      g.fail(false);
      const reads = g.reads();
      await g.get();
      await g.get();
      expect(g.reads()).toBe(reads + 2); // the setup's own reader: read each time while the signals do not flow
    });
  });
});
