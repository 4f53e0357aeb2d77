/**
 * GET /users/:id/recommendations on its hot path, in-process over the in-memory store counting
 * what it reads: the batch view, read-your-writes, model switches, and the body, byte for byte
 * what the object merge wrote before the fragments.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createAuthenticator } from './auth.ts';
import { loadApiConfig, type ApiConfig } from './config.ts';
import { createMemoryEvents, createMemoryStore, type MemoryData } from './memory-store.ts';
import { createMetrics } from './metrics.ts';
import { createWriteLimits } from './rate-limit.ts';
import { asKey, asUser, TEST_AUTH_ENV } from './test-auth.ts';
import { chooseRecommendations } from './recommend.ts';
import { createServingState, type ServingState } from './serving-state.ts';
import type { Movie, ServingStore } from './store.ts';
import { createBatchView, type BatchView } from './batch-view.ts';
import { createSpeedView, type SpeedView } from './speed-view.ts';
import { createViewLoader } from './view-loader.ts';

const movie = (movieId: number, title: string, genres: string[], ratingCount: number): Movie => ({
  movieId,
  title,
  year: 1995,
  genres,
  imdbId: movieId % 2 ? '0114709' : null,
  tmdbId: 862 + movieId,
  ratingCount,
  ratingMean: 3.9,
});
const MOVIES = [
  movie(1, 'Toy Story (1995)', ['Animation', 'Comedy'], 215),
  movie(2, 'Jumanji (1995)', ['Adventure'], 110),
  movie(3, 'Grumpier Old Men (1995)', ['Comedy', 'Romance'], 52),
  movie(4, 'Heat (1995)', ['Action', 'Crime'], 102),
  movie(5, 'Sabrina (1995)', ['Comedy', 'Romance'], 54),
  movie(6, 'GoldenEye (1995)', ['Action'], 132),
  movie(7, 'Casino "Royale" (1995)', ['Crime', 'Drama'], 80),
  movie(8, 'Othello (1995)', ['Drama'], 20),
];
const V2 = { version: 'v2', dataCutoff: 1000, path: 'hdfs://nn:9000/models/als/v2', metrics: {}, switchedAt: 2000 };
// float32 scores, as CQL `float` gives them
const scored = (...ids: number[]) => ids.map((movieId, i) => ({ movieId, score: Math.fround(4.9 - i / 10) }));

type Call = 'speedRow' | 'batchRow' | 'ratedAmong';
let data: MemoryData;
let calls: Call[];
let state: ServingState;
let app: ReturnType<typeof createApp>;
let speedGate: Promise<void> | undefined;
const config = loadApiConfig(TEST_AUTH_ENV);

/** the memory store, recording each read of the hot path */
function counting(store: ServingStore): ServingStore {
  return {
    ...store,
    speedRow: async (u) => {
      calls.push('speedRow');
      await speedGate;
      return store.speedRow(u);
    },
    batchRow: async (u, v) => {
      calls.push('batchRow');
      return store.batchRow(u, v);
    },
    ratedAmong: async (u, ids) => {
      calls.push('ratedAmong');
      return store.ratedAmong(u, ids);
    },
  };
}

beforeEach(async () => {
  calls = [];
  speedGate = undefined;
  data = {
    current: V2,
    movies: MOVIES,
    speed: new Map([
      [7, { modelVersion: 'v2', computedAt: 3000, items: scored(4, 2, 3, 8) }],
      [8, { modelVersion: 'v1', computedAt: 3000, items: scored(6) }],
    ]),
    batch: new Map([
      [7, { modelVersion: 'v2', computedAt: 2500, items: scored(5, 7) }],
      [8, { modelVersion: 'v2', computedAt: 2500, items: scored(2, 4, 5, 7) }],
    ]),
    ratings: new Map([
      [7, [{ movieId: 1, rating: 4, ratedAt: 100 }]],
      [8, [{ movieId: 6, rating: 5, ratedAt: 100 }]],
    ]),
    similar: new Map(),
  };
  const store = counting(createMemoryStore(data));
  state = createServingState({ store, modelName: 'als', modelRefreshMs: 1000, catalogRefreshMs: 60_000 });
  await state.refresh({ catalog: true });
  app = appWith({ store });
});

/** the app over `store`, with the views given (none: every request reads) */
function appWith(options: { store: ServingStore; batchView?: BatchView; speedView?: SpeedView; config?: ApiConfig }) {
  const appConfig = options.config ?? config;
  return createApp({
    ...options,
    config: appConfig,
    events: createMemoryEvents(),
    state,
    auth: createAuthenticator({ keys: appConfig.apiKeys, jwt: appConfig.jwt }),
    metrics: createMetrics(),
    limits: createWriteLimits({ userPerMin: 60, keyPerMin: 60, signInPerMin: 10, capPerS: 100 }),
    log: () => {},
  });
}

const get = async (path: string) => {
  const res = await app.request(path, { headers: asKey('reader') });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
};
const body = async (path: string) => JSON.parse((await get(path)).text);
const ids = (b: { items: { movieId: number }[] }) => b.items.map((i) => i.movieId);
const rate = (userId: number, movieId: number) =>
  app.request(`/users/${userId}/ratings`, {
    method: 'POST',
    body: JSON.stringify({ movieId, rating: 4 }),
    headers: { 'content-type': 'application/json', ...asUser(userId) },
  });

describe('GET /users/:id/recommendations: the hot path', () => {
  it('with the views loaded (API_VIEW_PRELOAD), reads nothing: not for known users, unknown ones, nor again', async () => {
    const store = counting(createMemoryStore(data));
    const batchView = createBatchView({ budgetBytes: 1 << 20 });
    let t = 1_000_000;
    const speedView = createSpeedView({ maxUsers: 100, settleMs: 3000, now: () => t });
    const loader = createViewLoader({ state, store, batchView, speedView, scanMs: 30_000, now: () => t });
    speedView.setLive(true);
    t += 3000;
    loader.tick();
    await loader.idle();
    const viewsApp = appWith({ store, batchView, speedView });
    const viewsBody = async (path: string) =>
      (await viewsApp.request(path, { headers: asKey('reader') })).json() as Promise<{ source: string; items: { movieId: number }[] }>;
    // users 7 and 8 have speed rows: the first scan read them whole, so they are held already
    calls = [];
    expect(ids(await viewsBody('/users/7/recommendations?limit=2'))).toEqual([4, 2]);
    expect(ids(await viewsBody('/users/8/recommendations?limit=2'))).toEqual([2, 4]);
    for (const user of [7, 8, 424242, 424243]) await viewsBody(`/users/${user}/recommendations?limit=2`);
    expect((await viewsBody('/users/8/recommendations?limit=3')).source).toBe('batch');
    expect((await viewsBody('/users/424243/recommendations?limit=3')).source).toBe('popular');
    expect(calls).toEqual([]);
  });

  it('reads the batch row once per user and model, then only the speed row', async () => {
    expect(ids(await body('/users/8/recommendations?limit=3'))).toEqual([2, 4, 5]);
    expect(calls.sort()).toEqual(['batchRow', 'speedRow']);
    calls = [];
    expect(ids(await body('/users/8/recommendations?limit=3'))).toEqual([2, 4, 5]);
    expect(calls).toEqual(['speedRow']);
  });

  it('remembers a user without any row, and reads nothing else for them', async () => {
    await body('/users/424242/recommendations');
    calls = [];
    const b = await body('/users/424242/recommendations?limit=3');
    expect(b).toMatchObject({ source: 'popular', modelVersion: 'v2' });
    expect(ids(b)).toEqual([1, 6, 2]);
    expect(calls).toEqual(['speedRow']);
  });

  it("reads the user's ratings beside the speed row, not after it, when the held batch row cannot fill the page", async () => {
    await body('/users/8/recommendations?limit=3');
    calls = [];
    let open!: () => void;
    speedGate = new Promise((resolve) => (open = resolve));
    const answer = body('/users/8/recommendations?limit=3&genre=Drama');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls.sort()).toEqual(['ratedAmong', 'speedRow']); // both asked while the speed row is outstanding
    open();
    const b = await answer;
    expect(b.items.map((i: { movieId: number; from: string }) => [i.movieId, i.from])).toEqual([
      [7, 'batch'],
      [8, 'popular'],
    ]);
  });

  it('a speed row of the current model wins over the batch row, held or not', async () => {
    for (let i = 0; i < 2; i++) {
      const b = await body('/users/7/recommendations?limit=2');
      expect(b).toMatchObject({ source: 'speed', modelVersion: 'v2', computedAt: new Date(3000).toISOString() });
      expect(ids(b)).toEqual([4, 2]);
    }
    // a speed row of another model does not
    expect(await body('/users/8/recommendations?limit=1')).toMatchObject({ source: 'batch', computedAt: new Date(2500).toISOString() });
  });

  it('a rating posted through the API never appears in that user’s next response', async () => {
    // batch row, no speed row of this model: the post is newer than both
    expect(ids(await body('/users/8/recommendations?limit=3'))).toEqual([2, 4, 5]);
    expect((await rate(8, 4)).status).toBe(202);
    expect(ids(await body('/users/8/recommendations?limit=3'))).toEqual([2, 5, 7]);
    // a speed row computed before the post does not account for it either
    expect(ids(await body('/users/7/recommendations?limit=2'))).toEqual([4, 2]);
    expect((await rate(7, 2)).status).toBe(202);
    expect(ids(await body('/users/7/recommendations?limit=2'))).toEqual([4, 3]);
    // nor the popular fill of a user the system knew nothing of
    expect(ids(await body('/users/555/recommendations?limit=2'))).toEqual([1, 6]);
    expect((await rate(555, 1)).status).toBe(202);
    expect(ids(await body('/users/555/recommendations?limit=2'))).toEqual([6, 2]);
  });

  it('a speed row read that is late or fails: the row held before the rating, said in a header, still without what was posted here', async () => {
    const store = counting(createMemoryStore(data));
    // no shared reads: each request below meets a read of its own
    const speedView = createSpeedView({ maxUsers: 100, shareMs: 0 });
    speedView.setLive(true);
    const staleApp = appWith({ store, speedView, config: loadApiConfig({ ...TEST_AUTH_ENV, API_STALE_AFTER_MS: '30' }) });
    const ask = async () => {
      const res = await staleApp.request('/users/7/recommendations?limit=2', { headers: asKey('reader') });
      return { status: res.status, stale: res.headers.get('x-recommendations-stale'), body: (await res.json()) as { items: { movieId: number }[] } };
    };
    const first = await ask();
    expect(first.stale).toBeNull();
    expect(ids(first.body)).toEqual([4, 2]);
    // the user rates movie 4 here; the topic shows it; the speed layer's new row is not readable yet
    const posted = await staleApp.request('/users/7/ratings', {
      method: 'POST',
      body: JSON.stringify({ movieId: 4, rating: 4 }),
      headers: { 'content-type': 'application/json', ...asUser(7) },
    });
    expect(posted.status).toBe(202);
    speedView.rated(7, Date.now());
    let open!: () => void;
    speedGate = new Promise((resolve) => (open = resolve));
    const late = await ask();
    expect(late.status).toBe(200);
    expect(late.stale).toMatch(/not read in time/);
    expect(late.body).toMatchObject({ source: 'speed', computedAt: new Date(3000).toISOString() });
    expect(ids(late.body)).toEqual([2, 3]); // the held row, without the movie posted
    open();
    // a read that fails answers the same way; a user the process knows nothing of gets 503
    speedGate = Promise.reject(new Error('Cassandra is down'));
    speedGate.catch(() => {});
    expect((await ask()).stale).toMatch(/not read in time/);
    const unknown = await staleApp.request('/users/31337/recommendations', { headers: asKey('reader') });
    expect(unknown.status).toBe(503);
    expect(unknown.headers.get('retry-after')).not.toBeNull();
  });

  it('before the first model, still leaves out what the user rated from the popular page', async () => {
    data.current = undefined;
    data.ratings.set(99, [{ movieId: 1, rating: 5, ratedAt: 100 }]); // rated, but no model has seen it and no row exists
    await state.refresh();
    const b = await body('/users/99/recommendations?limit=2');
    expect(b).toMatchObject({ source: 'popular', modelVersion: null });
    expect(ids(b)).toEqual([6, 2]); // 1, the most popular, was rated
  });

  it('after a model switch the responses carry the new version, and the old rows are gone from memory', async () => {
    expect(await body('/users/8/recommendations?limit=2')).toMatchObject({ modelVersion: 'v2', source: 'batch' });
    data.batch.set(8, { modelVersion: 'v3', computedAt: 4000, items: scored(7, 3) });
    data.batch.set(7, { modelVersion: 'v3', computedAt: 4000, items: scored(8, 6) });
    data.current = { ...V2, version: 'v3', dataCutoff: 3500, switchedAt: 4500 };
    await state.refresh();
    calls = [];
    const b8 = await body('/users/8/recommendations?limit=2');
    expect(b8).toMatchObject({ modelVersion: 'v3', source: 'batch', computedAt: new Date(4000).toISOString() });
    expect(ids(b8)).toEqual([7, 3]);
    expect(calls.sort()).toEqual(['batchRow', 'speedRow']);
    // user 7's speed row belongs to v2 now: the v3 batch row serves
    expect(ids(await body('/users/7/recommendations?limit=2'))).toEqual([8, 6]);
  });

  it('answers, byte for byte, what the object merge answered, with the same content type', async () => {
    const cases = [
      [7, 'limit=2'],
      [7, 'limit=10'],
      [8, 'limit=3'],
      [8, 'limit=10&genre=Romance'],
      [8, 'limit=4&genre=drama'],
      [31337, 'limit=5&genre=Comedy'],
    ] as const;
    for (const [user, query] of cases) {
      const url = `/users/${user}/recommendations?${query}`;
      const params = new URLSearchParams(query);
      const want = JSON.stringify(
        chooseRecommendations({
          userId: user,
          current: data.current,
          speed: data.speed.get(user),
          batch: data.batch.get(user),
          rated: data.ratings.get(user) ?? [],
          catalog: state.catalog(),
          genre: params.get('genre') ?? undefined,
          limit: Number(params.get('limit')),
        }),
      );
      for (let i = 0; i < 2; i++) {
        const got = await get(url);
        expect(got.text, `${url} (${i === 0 ? 'batch row read' : 'batch row held'})`).toBe(want);
        expect(got.type).toBe('application/json');
      }
    }
  });
});
