import { describe, expect, it } from 'vitest';
import { createBatchView } from './batch-view.ts';
import { createMemoryStore, type MemoryData } from './memory-store.ts';
import { createSpeedView } from './speed-view.ts';
import type { CurrentModel, RecommendationRow } from './store.ts';
import { createViewLoader } from './view-loader.ts';

const model = (version: string): CurrentModel => ({ version, dataCutoff: 0, path: '', metrics: {}, switchedAt: 0 });
const row = (version: string, ...ids: number[]): RecommendationRow => ({
  modelVersion: version,
  computedAt: 5,
  items: ids.map((movieId) => ({ movieId, score: 1 })),
});

function setup(options: { speedRows?: boolean } = {}) {
  let t = 1_000_000;
  const data: MemoryData = { movies: [], speed: new Map(), batch: new Map(), ratings: new Map(), similar: new Map() };
  const store = createMemoryStore(data);
  let current: CurrentModel | undefined = model('v1');
  const batchView = createBatchView({ budgetBytes: 1 << 20 });
  const speedView = createSpeedView({ maxUsers: 100, ttlMs: 30_000, settleMs: 3000, now: () => t });
  const lines: string[] = [];
  const loader = createViewLoader({
    state: { current: () => current },
    store,
    batchView,
    speedView,
    scanMs: 30_000,
    retryMs: 10_000,
    ...options,
    now: () => t,
    log: (l) => lines.push(l),
  });
  const step = async () => {
    loader.tick();
    await loader.idle();
  };
  return {
    data,
    batchView,
    speedView,
    loader,
    lines,
    step,
    advance: (ms: number) => {
      t += ms;
    },
    now: () => t,
    switchTo: (v: string | undefined) => {
      current = v === undefined ? undefined : model(v);
    },
  };
}

const noRead = async (): Promise<RecommendationRow | undefined> => {
  throw new Error('read although the view is complete');
};

describe('serving > view loader', () => {
  it('loads the current version in full, and again after a switch', async () => {
    const s = setup();
    s.data.batch.set(1, row('v1', 10));
    s.data.batch.set(2, row('v1', 20));
    await s.step();
    expect(s.batchView.stats()).toMatchObject({ version: 'v1', users: 2, complete: true });
    expect(await s.batchView.get(3, 'v1', noRead)).toBeNull();
    expect(s.loader.stats().loadedVersion).toBe('v1');
    expect(s.lines.at(-1)).toMatch(/2 users of v1 held in .* s \(complete/);
    await s.step(); // nothing due: no second load
    expect(s.lines.filter((l) => l.includes('loading'))).toHaveLength(1);

    s.data.batch.set(1, row('v2', 11));
    s.switchTo('v2');
    await s.step();
    expect(s.batchView.stats()).toMatchObject({ version: 'v2', users: 1, complete: true });
    expect(Array.from(s.batchView.peek(1, 'v2')!.movieIds)).toEqual([11]);
  });

  it('loads nothing before the first model; a failed load is logged and tried again after the retry time', async () => {
    const s = setup();
    s.switchTo(undefined);
    await s.step();
    expect(s.lines).toEqual([]);
    s.switchTo('v1');
    s.data.down = new Error('Cassandra is down');
    await s.step();
    expect(s.lines.at(-1)).toMatch(/loading v1 failed \(again in 10 s.*Cassandra is down/);
    s.data.down = undefined;
    await s.step();
    expect(s.batchView.stats().complete).toBe(false);
    s.advance(10_000);
    await s.step();
    expect(s.batchView.stats().complete).toBe(true);
  });

  it('indexes the speed rows once the signals flowed long enough, and again every scan interval', async () => {
    const s = setup();
    s.data.speed.set(7, row('v1', 30));
    await s.step();
    expect(s.speedView.stats().indexed).toBeUndefined(); // no signals yet
    s.speedView.setLive(true);
    await s.step();
    expect(s.speedView.stats().indexed).toBeUndefined(); // too soon after they began
    s.advance(3000);
    await s.step();
    expect(s.speedView.stats().indexed).toBe(1);
    s.data.speed.set(8, row('v1', 31));
    s.advance(10_000);
    await s.step();
    expect(s.speedView.stats().indexed).toBe(1);
    s.advance(20_000);
    await s.step();
    expect(s.speedView.stats().indexed).toBe(2);
    expect(s.loader.stats().scans).toBe(2);
  });

  it('the first scan that counts under a version holds the speed rows themselves; later ones read keys; a switch reads rows again', async () => {
    const s = setup();
    s.data.speed.set(7, row('v1', 30));
    s.data.speed.set(8, row('v1', 31));
    s.speedView.setLive(true);
    s.advance(3000);
    await s.step();
    expect(s.speedView.stats()).toMatchObject({ indexed: 2, users: 2 });
    expect(s.lines.at(-1)).toMatch(/2 speed rows held after a scan of the rows under v1/);
    expect(Array.from((await s.speedView.get(7, 'v1', noRead))!.movieIds)).toEqual([30]);
    // a row written since is indexed by the next scan, not held: its user's next request reads it
    s.data.speed.set(9, { ...row('v1', 32), computedAt: 6 });
    s.advance(30_000);
    await s.step();
    expect(s.speedView.stats()).toMatchObject({ indexed: 3, users: 2 });
    await expect(s.speedView.get(9, 'v1', noRead)).rejects.toThrow('read although');
    // under a new version, the rows are held again (for that version)
    s.switchTo('v2');
    s.advance(30_000);
    await s.step();
    expect(Array.from((await s.speedView.get(9, 'v2', noRead))!.movieIds)).toEqual([32]);
    expect(s.lines.filter((l) => l.includes('speed rows held'))).toHaveLength(2);
  });

  it('with speedRows false, every scan reads keys only: rows are read on demand', async () => {
    const s = setup({ speedRows: false });
    s.data.speed.set(7, row('v1', 30));
    s.speedView.setLive(true);
    s.advance(3000);
    await s.step();
    expect(s.speedView.stats()).toMatchObject({ indexed: 1, users: 0 });
    await expect(s.speedView.get(7, 'v1', noRead)).rejects.toThrow('read although');
  });

  it('a failed scan is logged and tried again after the scan interval, not at every tick', async () => {
    const s = setup();
    s.speedView.setLive(true);
    s.advance(3000);
    s.data.down = new Error('Cassandra is down');
    await s.step();
    s.advance(1000);
    await s.step();
    expect(s.lines.filter((l) => l.startsWith('speed view: scanning the speed rows failed'))).toHaveLength(1);
    s.data.down = undefined;
    s.advance(29_000);
    await s.step();
    expect(s.speedView.stats().indexed).toBe(0);
  });
});
