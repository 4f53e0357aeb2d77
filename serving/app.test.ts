/**
 * Every route and error of the API, in-process (`app.request`), over the in-memory store. The
 * same app on the real stack is tested in test/api.it.test.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createFoldInModel, foldIn, recommendFolded } from './fold-in.ts';
import { createAuthenticator } from './auth.ts';
import { loadApiConfig } from './config.ts';
import { createMemoryEvents, createMemoryStore, type MemoryData } from './memory-store.ts';
import { createMetrics } from './metrics.ts';
import { createWriteLimits } from './rate-limit.ts';
import { asKey, asUser, signUserToken, TEST_AUTH_ENV, TEST_KEYS, testMovie } from './test-auth.ts';

import { createServingState } from './serving-state.ts';

const movie = testMovie;
const MOVIES = [
  movie(1, 'Toy Story (1995)', ['Animation', 'Comedy'], 215),
  movie(2, 'Jumanji (1995)', ['Adventure'], 110),
  movie(3, 'Grumpier Old Men (1995)', ['Comedy', 'Romance'], 52),
  movie(4, 'Heat (1995)', ['Action', 'Crime'], 102),
  movie(5, 'Sabrina (1995)', ['Comedy', 'Romance'], 54),
  movie(6, 'GoldenEye (1995)', ['Action'], 132),
];
const MODEL = { version: 'v2', dataCutoff: 1000, path: 'hdfs://nn:9000/models/als/v2', metrics: { rmse: 0.85 }, switchedAt: 2000 };
/** the current model's item factors (implicit, rank 2) */
const model = createFoldInModel({
  rank: 2,
  ids: Int32Array.from([1, 2, 4, 6]),
  itemBias: new Float32Array(4),
  factors: Float32Array.from([1, 0, 0.9, 0.1, 0, 1, 0.1, 1]),
  globalMean: 0,
  reg: 0.1,
  userBiasDamping: Number.NaN,
  implicit: true,
  alpha: 1,
});
const scored = (...ids: number[]) => ids.map((movieId, i) => ({ movieId, score: 5 - i / 10 }));

let data: MemoryData;
let events: ReturnType<typeof createMemoryEvents>;
let app: ReturnType<typeof createApp>;
const config = loadApiConfig({ ...TEST_AUTH_ENV, API_DEMO: 'true', API_RATE_LIMIT_PER_MIN: '3', API_MAX_BODY_BYTES: '512' });
const authOf = (c: typeof config) => createAuthenticator({ keys: c.apiKeys, jwt: c.jwt, demo: c.demo ? { hours: 1 } : undefined });
const limitsOf = (c: typeof config) =>
  createWriteLimits({ userPerMin: c.rateLimitPerMin, keyPerMin: c.keyRateLimitPerMin, signInPerMin: c.sessionPerMin, capPerS: c.writeCapPerS });
const admin = { runs: 0, runBatch: async () => ({ started: true, message: `run ${++admin.runs}` }), status: async () => ({ engines: 'ok' }) };

beforeEach(async () => {
  data = {
    current: MODEL,
    movies: MOVIES,
    speed: new Map([
      [7, { modelVersion: 'v2', computedAt: 3000, items: scored(4, 2, 1, 3) }],
      [8, { modelVersion: 'v1', computedAt: 3000, items: scored(6) }],
    ]),
    batch: new Map([
      [8, { modelVersion: 'v2', computedAt: 2500, items: scored(2, 4, 5) }],
      [7, { modelVersion: 'v2', computedAt: 2500, items: scored(5) }],
    ]),
    ratings: new Map([
      [
        7,
        [
          { movieId: 1, rating: 4, ratedAt: 100 },
          { movieId: 6, rating: 5, ratedAt: 200 },
        ],
      ],
    ]),
    similar: new Map([[1, scored(2, 99, 3)]]),
    trending: { window: '1440m/60m', windowEnd: 5000, items: scored(6, 1) },
  };
  events = createMemoryEvents();
  const store = createMemoryStore(data);
  const state = createServingState({ store, modelName: 'als', modelRefreshMs: 1000, catalogRefreshMs: 60_000 });
  await state.refresh({ catalog: true });
  const factors = {
    get: async () => ({
      version: 'v2',
      model,
      get: (id: number) => {
        const row = model.rowOf.get(id);
        return row === undefined ? undefined : model.factors.subarray(row * 2, row * 2 + 2);
      },
    }),
  };
  app = createApp({
    config,
    store,
    events,
    state,
    auth: authOf(config),
    metrics: createMetrics(),
    limits: limitsOf(config),
    factors,
    admin,
    log: () => {},
  });
});

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });
const get = async (path: string, headers: Record<string, string> = asKey('reader')) => json(await app.request(path, { headers }));
const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
  json(
    await app.request(path, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    }),
  );
const bearer = asUser;

describe('GET /users/:id/recommendations', () => {
  it('serves the speed row of the current model, without rated movies, with metadata and links', async () => {
    const { status, body } = await get('/users/7/recommendations?limit=2');
    expect(status).toBe(200);
    expect(body).toMatchObject({ userId: 7, source: 'speed', modelVersion: 'v2', computedAt: new Date(3000).toISOString() });
    expect(body.items.map((i: { movieId: number }) => i.movieId)).toEqual([4, 2]);
    expect(body.items[0]).toMatchObject({
      title: 'Heat (1995)',
      year: 1995,
      genres: ['Action', 'Crime'],
      score: 5,
      from: 'speed',
      links: { imdb: 'https://www.imdb.com/title/tt0114709/', tmdb: 'https://www.themoviedb.org/movie/862' },
    });
  });

  it('never serves a movie the user rated, even one the row still holds', async () => {
    const { body } = await get('/users/7/recommendations?limit=10');
    const ids = body.items.map((i: { movieId: number }) => i.movieId);
    expect(ids).not.toContain(1);
    expect(ids).not.toContain(6);
    // the row had 4 unrated movies; popular ones fill the page, marked as such
    expect(body.items.filter((i: { from: string }) => i.from === 'popular').map((i: { movieId: number }) => i.movieId)).toEqual([5]);
  });

  it('falls back to the batch row when the speed row belongs to another model', async () => {
    const { body } = await get('/users/8/recommendations?limit=3');
    expect(body).toMatchObject({ source: 'batch', modelVersion: 'v2', computedAt: new Date(2500).toISOString() });
    expect(body.items.map((i: { movieId: number }) => i.movieId)).toEqual([2, 4, 5]);
  });

  it('serves popular movies to a user it knows nothing of (cold start), respecting the genre', async () => {
    const { body } = await get('/users/123456/recommendations?limit=2&genre=comedy');
    expect(body).toMatchObject({ source: 'popular', computedAt: null });
    expect(body.items.map((i: { movieId: number }) => i.movieId)).toEqual([1, 5]);
    data.current = undefined;
    await app.request('/ready');
  });

  it('filters a row by genre and fills the page from popular movies of that genre', async () => {
    const { body } = await get('/users/8/recommendations?limit=3&genre=Romance');
    expect(body.items.map((i: { movieId: number; from: string }) => [i.movieId, i.from])).toEqual([
      [5, 'batch'],
      [3, 'popular'],
    ]);
  });

  it('rejects malformed ids, limits and unknown genres with 400 and a message', async () => {
    for (const path of [
      '/users/abc/recommendations',
      '/users/0/recommendations',
      '/users/-4/recommendations',
      '/users/1234567890123456/recommendations',
      '/users/2147483648/recommendations',
      '/users/4294967338/recommendations',
      '/users/7/recommendations?limit=0',
      '/users/7/recommendations?limit=500',
    ]) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body.error.message, path).toMatch(/^invalid request: /);
    }
    // the route's path and query are checked together: every problem is named by its field
    const both = await get('/users/abc/recommendations?limit=500');
    expect(both.status).toBe(400);
    expect(both.body.error.issues).toEqual([expect.stringMatching(/^id: id must be a positive integer/), expect.stringMatching(/^limit: /)]);
    const { status, body } = await get('/users/7/recommendations?genre=Polka');
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^unknown genre Polka; known: Action, Adventure/);
  });

  it('answers 503 with Retry-After while Cassandra is down, and recovers by itself', async () => {
    data.down = new Error('NoHostAvailableError: All host(s) tried for query failed');
    const res = await app.request('/users/7/recommendations', { headers: asKey('reader') });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as any).error.message).toBe('Cassandra is unavailable; try again in 5 s');
    data.down = undefined;
    expect((await get('/users/7/recommendations')).status).toBe(200);
  });
});

describe('explanations', () => {
  it("names the user's well-rated movies closest to a recommendation", async () => {
    const { status, body } = await get('/users/7/recommendations/2/explanation');
    expect(status).toBe(200);
    expect(body).toMatchObject({ userId: 7, movieId: 2, modelVersion: 'v2' });
    expect(body.because.map((b: { movieId: number; title: string }) => [b.movieId, b.title])).toEqual([
      [1, 'Toy Story (1995)'],
      [6, 'GoldenEye (1995)'],
    ]);
    expect((await get('/users/7/recommendations/777/explanation')).status).toBe(404);
  });
});

describe('ratings', () => {
  it("lists a user's ratings, newest first, with titles", async () => {
    const { body } = await get('/users/7/ratings');
    expect(body.ratings.map((r: { movieId: number; title: string }) => [r.movieId, r.title])).toEqual([
      [6, 'GoldenEye (1995)'],
      [1, 'Toy Story (1995)'],
    ]);
  });

  it('a signed-in user rates a movie: a RatingEvent is published and the answer is 202 with its eventId', async () => {
    const session = await post('/session', { userId: 7 });
    expect(session.status).toBe(200);
    const { status, body } = await post('/users/7/ratings', { movieId: 3, rating: 4.5 }, { authorization: `Bearer ${session.body.token}` });
    expect(status).toBe(202);
    expect(body).toMatchObject({ userId: 7, movieId: 3, rating: 4.5, eventId: expect.stringMatching(/^7:3:\d+$/) });
    expect(events.published).toEqual([{ eventId: body.eventId, userId: 7, movieId: 3, rating: 4.5, ratedAt: expect.any(Number), action: 'RATE' }]);
  });

  it('refuses to rate without a session (401), as someone else (403), or with a forged token (401)', async () => {
    expect((await post('/users/7/ratings', { movieId: 3, rating: 4 })).status).toBe(401);
    const other = await post('/users/7/ratings', { movieId: 3, rating: 4 }, bearer(8));
    expect(other).toMatchObject({ status: 403, body: { error: { message: 'signed in as user 8; a user reads and writes only their own data' } } });
    const forged = `${signUserToken(7).slice(0, -2)}xx`;
    expect((await post('/users/7/ratings', { movieId: 3, rating: 4 }, { authorization: `Bearer ${forged}` })).status).toBe(401);
    expect(events.published).toEqual([]);
  });

  it('rejects ratings out of range or not in half steps, unknown fields, unknown movies and bad JSON', async () => {
    for (const body of [
      { movieId: 3, rating: 5.5 },
      { movieId: 3, rating: 0 },
      { movieId: 3, rating: 3.3 },
      { movieId: 3 },
      { movieId: -1, rating: 3 },
      { movieId: 0, rating: 3 },
      { movieId: 4_294_967_338, rating: 3 },
      { movieId: 3, rating: 3, extra: 1 },
      'not json',
    ]) {
      const res = await post('/users/7/ratings', body, bearer(7));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(/^invalid request|Malformed JSON/);
    }
    const unknown = await post('/users/7/ratings', { movieId: 999, rating: 3 }, bearer(7));
    expect(unknown).toMatchObject({ status: 404, body: { error: { message: 'no movie 999' } } });
    expect(events.published).toEqual([]);
  });

  it('refuses an oversized body with 413', async () => {
    const res = await post('/users/7/ratings', { movieId: 3, rating: 3, pad: 'x'.repeat(2000) }, bearer(7));
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/too large/);
  });

  it('limits how fast one user can rate (429 with Retry-After)', async () => {
    for (let i = 0; i < 3; i++) expect((await post('/users/7/ratings', { movieId: 3, rating: 3 }, bearer(7))).status).toBe(202);
    const res = await app.request('/users/7/ratings', {
      method: 'POST',
      body: JSON.stringify({ movieId: 3, rating: 3 }),
      headers: { 'content-type': 'application/json', ...bearer(7) },
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await post('/users/8/ratings', { movieId: 3, rating: 3 }, bearer(8))).status).toBe(202);
  });

  it('answers 503 with Retry-After when Kafka does not acknowledge', async () => {
    events.down = new Error('KafkaJSConnectionError: Connection timeout');
    const res = await app.request('/users/7/ratings', {
      method: 'POST',
      body: JSON.stringify({ movieId: 3, rating: 3 }),
      headers: { 'content-type': 'application/json', ...bearer(7) },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as any).error.message).toBe('Kafka is unavailable; try again in 5 s');
  });
});

describe('deleting a rating', () => {
  const del = async (path: string, headers: Record<string, string> = {}) => json(await app.request(path, { method: 'DELETE', headers }));

  it('the user deletes their rating: a RatingEvent with action DELETE and rating 0 at the time of the deletion, 202', async () => {
    const before = Date.now();
    const { status, body } = await del('/users/7/ratings/6', bearer(7));
    expect(status).toBe(202);
    expect(body).toMatchObject({ userId: 7, movieId: 6, eventId: expect.stringMatching(/^7:6:\d+:delete$/) });
    expect(Date.parse(body.deletedAt)).toBeGreaterThanOrEqual(before);
    expect(events.published).toEqual([{ eventId: body.eventId, userId: 7, movieId: 6, rating: 0, ratedAt: Date.parse(body.deletedAt), action: 'DELETE' }]);
  });

  it('a deleted rating leaves the list at once, before the speed layer deletes the stored row', async () => {
    expect((await get('/users/7/ratings', bearer(7))).body.ratings.map((r: { movieId: number }) => r.movieId)).toContain(6);
    expect((await del('/users/7/ratings/6', bearer(7))).status).toBe(202);
    expect((await get('/users/7/ratings', bearer(7))).body.ratings.map((r: { movieId: number }) => r.movieId)).toEqual([1]);
  });

  it('a movie rated here and deleted is no longer kept out of the recommendations', async () => {
    expect((await post('/users/7/ratings', { movieId: 2, rating: 4 }, bearer(7))).status).toBe(202);
    const rated = await get('/users/7/recommendations', bearer(7));
    expect(rated.body.items.map((i: { movieId: number }) => i.movieId)).not.toContain(2);
    expect((await del('/users/7/ratings/2', bearer(7))).status).toBe(202);
    const deleted = await get('/users/7/recommendations', bearer(7));
    expect(deleted.body.items.map((i: { movieId: number }) => i.movieId)).toContain(2);
  });

  it('refuses without a credential (401), as another user (403), a reader key (403); an unknown movie is 404, ids out of range 400', async () => {
    expect((await del('/users/7/ratings/6')).status).toBe(401);
    expect((await del('/users/7/ratings/6', bearer(8))).status).toBe(403);
    expect((await del('/users/7/ratings/6', asKey('reader'))).status).toBe(403);
    expect(await del('/users/7/ratings/999', bearer(7))).toMatchObject({ status: 404, body: { error: { message: 'no movie 999' } } });
    for (const path of ['/users/7/ratings/0', '/users/7/ratings/4294967338', '/users/7/ratings/x', '/users/0/ratings/6']) {
      const res = await del(path, bearer(7));
      expect(res.status, path).toBe(400);
    }
    expect(events.published).toEqual([]);
    expect((await del('/users/7/ratings/6', asKey('backend'))).status).toBe(202);
  });

  it('counts against the same write limit as ratings (429), and answers 503 when Kafka does not acknowledge', async () => {
    for (let i = 0; i < 3; i++) expect((await del('/users/7/ratings/6', bearer(7))).status).toBe(202);
    const limited = await app.request('/users/7/ratings/6', { method: 'DELETE', headers: bearer(7) });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    events.down = new Error('KafkaJSConnectionError: Connection timeout');
    const down = await del('/users/8/ratings/6', bearer(8));
    expect(down).toMatchObject({ status: 503, body: { error: { message: 'Kafka is unavailable; try again in 5 s' } } });
  });

  it('a deletion Kafka did not take hides nothing: the rating stays listed', async () => {
    events.down = new Error('KafkaJSConnectionError: Connection timeout');
    expect((await del('/users/7/ratings/6', bearer(7))).status).toBe(503);
    events.down = undefined;
    expect((await get('/users/7/ratings', bearer(7))).body.ratings.map((r: { movieId: number }) => r.movieId)).toContain(6);
  });
});

describe('ratings with an Idempotency-Key', () => {
  const rate = (userId: number, key: string, body: unknown = { movieId: 3, rating: 4 }, as = userId) =>
    post(`/users/${userId}/ratings`, body, { ...bearer(as), 'idempotency-key': key });
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('the same key twice is one event: the same 202 body, the eventId made of user and key', async () => {
    const first = await rate(7, 'k-1');
    const second = await rate(7, 'k-1');
    expect(first).toEqual({ status: 202, body: { eventId: 'api:7:k-1', userId: 7, movieId: 3, rating: 4 } });
    expect(second).toEqual(first);
    expect(events.published).toEqual([{ eventId: 'api:7:k-1', userId: 7, movieId: 3, rating: 4, ratedAt: expect.any(Number), action: 'RATE' }]);
  });

  it('concurrent duplicates are one event', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => rate(7, 'together')));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(events.published).toHaveLength(1);
  });

  it('concurrent duplicates while Kafka is slow are one event, each answered when it acknowledges', async () => {
    let release!: () => void;
    events.hold = new Promise((resolve) => (release = resolve));
    const answers = Promise.all(Array.from({ length: 5 }, () => rate(7, 'slow')));
    await sleep(50);
    release();
    expect((await answers).map((a) => [a.status, a.body.eventId])).toEqual(Array(5).fill([202, 'api:7:slow']));
    expect(events.published).toHaveLength(1);
  });

  it('the same key with another body is 409 with a clear message', async () => {
    expect((await rate(7, 'k-2')).status).toBe(202);
    const other = await rate(7, 'k-2', { movieId: 4, rating: 2 });
    expect(other).toMatchObject({
      status: 409,
      body: { error: { status: 409, message: expect.stringMatching(/^Idempotency-Key k-2 was used for another rating/) } },
    });
    expect((await rate(7, 'k-2', { movieId: 3, rating: 4.5 })).status).toBe(409);
    expect(events.published).toHaveLength(1);
  });

  it('a malformed key is 400 with a message, and nothing is sent', async () => {
    for (const key of ['', 'has space', 'x'.repeat(101), 'slash/no', 'ü']) {
      const res = await rate(7, key);
      expect(res.status, key).toBe(400);
      expect(res.body.error.message, key).toMatch(/Idempotency-Key must be 1 to 100 characters/);
    }
    expect(events.published).toEqual([]);
  });

  it('keys of different users do not collide', async () => {
    const a = await rate(7, 'same-key');
    const b = await rate(8, 'same-key', { movieId: 4, rating: 2 });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(events.published.map((e) => e.eventId)).toEqual(['api:7:same-key', 'api:8:same-key']);
    // and another user cannot use a key to read someone's answer
    expect((await rate(7, 'same-key', { movieId: 3, rating: 4 }, 8)).status).toBe(403);
  });

  it('a send that outlives the request timeout answers 503, goes on, and a retry with the key learns its outcome', async () => {
    const store = createMemoryStore(data);
    const state = createServingState({ store, modelName: 'als', modelRefreshMs: 1000, catalogRefreshMs: 60_000 });
    await state.refresh({ catalog: true });
    const slowConfig = loadApiConfig({ ...TEST_AUTH_ENV, API_PUBLISH_TIMEOUT_MS: '100' });
    const slow = createApp({
      config: slowConfig,
      store,
      events,
      state,
      auth: authOf(slowConfig),
      metrics: createMetrics(),
      limits: limitsOf(slowConfig),
      log: () => {},
    });
    const send = async () =>
      json(
        await slow.request('/users/7/ratings', {
          method: 'POST',
          body: JSON.stringify({ movieId: 3, rating: 4 }),
          headers: { 'content-type': 'application/json', ...bearer(7), 'idempotency-key': 'late' },
        }),
      );
    let release!: () => void;
    events.hold = new Promise((resolve) => (release = resolve));
    const first = await send();
    expect(first.status).toBe(503);
    expect(first.body.error.message).toBe('Kafka did not acknowledge within 100 ms; retry with the same Idempotency-Key');
    expect((await send()).status).toBe(503); // still in flight: waited on, not sent again
    release();
    await sleep(10);
    expect(await send()).toEqual({ status: 202, body: { eventId: 'api:7:late', userId: 7, movieId: 3, rating: 4 } });
    expect(events.published).toHaveLength(1);
  });

  it('a retry after Kafka refused sends again, with the eventId and ratedAt of the first attempt', async () => {
    const before = Date.now();
    events.down = new Error('KafkaJSConnectionError: Connection timeout');
    expect((await rate(7, 'retry-me')).status).toBe(503);
    await sleep(30);
    events.down = undefined;
    const after = Date.now();
    expect((await rate(7, 'retry-me')).status).toBe(202);
    expect(events.published).toHaveLength(1);
    expect(events.published[0]!.eventId).toBe('api:7:retry-me');
    expect(events.published[0]!.ratedAt).toBeGreaterThanOrEqual(before);
    expect(events.published[0]!.ratedAt).toBeLessThan(after);
  });

  it('forgets keys after their lifetime and keeps at most the configured number', async () => {
    const { createIdempotencyKeys } = await import('./idempotency.ts');
    let t = 0;
    const keys = createIdempotencyKeys({ maxKeys: 2, ttlMs: 1000, now: () => t });
    const body = { eventId: 'e', userId: 1, movieId: 1, rating: 1 };
    let finish!: () => void;
    const pending = new Promise<typeof body>((resolve) => (finish = () => resolve(body)));
    expect(keys.reserve('a')).toBe(true);
    keys.begin('a', 'f', 0, pending);
    expect(keys.reserve('b')).toBe(true);
    keys.begin('b', 'f', 0, Promise.resolve(body));
    keys.settle('b', { body });
    expect(keys.reserve('c')).toBe(true); // b, settled, made room; a, pending, stays
    keys.begin('c', 'f', 0, Promise.resolve(body));
    expect(keys.get('a')?.state).toBe('pending');
    expect(keys.get('b')).toBeUndefined();
    expect(keys.reserve('d')).toBe(false); // full of sends in flight
    expect(keys.reserve('a')).toBe(true); // a key already there needs no room
    finish();
    keys.settle('a', { body });
    keys.settle('c', { failed: true });
    expect(keys.get('a')?.state).toBe('accepted');
    expect(keys.get('c')?.state).toBe('failed');
    t = 1000;
    expect(keys.get('a')).toBeUndefined();
    expect(keys.size()).toBe(1);
  });

  it('documents the header in the OpenAPI document', async () => {
    const { body } = await get('/openapi.json');
    const op = body.paths['/users/{id}/ratings'].post;
    expect(op.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'idempotency-key' })]));
    expect(op.description).toMatch(/Idempotency-Key/);
    expect(Object.keys(op.responses)).toContain('409');
  });
});

describe('movies', () => {
  it('searches titles by words and genre, most rated first, with paging', async () => {
    expect((await get('/movies?search=the')).body.total).toBe(0);
    const comedy = await get('/movies?genre=Comedy&limit=2');
    expect(comedy.body.total).toBe(3);
    expect(comedy.body.movies.map((m: { movieId: number }) => m.movieId)).toEqual([1, 5]);
    expect((await get('/movies?search=old%20men')).body.movies.map((m: { movieId: number }) => m.movieId)).toEqual([3]);
    expect((await get('/movies?genre=Comedy&limit=2&offset=2')).body.movies.map((m: { movieId: number }) => m.movieId)).toEqual([3]);
    expect((await get('/movies?limit=1000')).status).toBe(400);
  });

  it('lists genres', async () => {
    expect((await get('/movies/genres')).body.genres).toEqual(['Action', 'Adventure', 'Animation', 'Comedy', 'Crime', 'Romance']);
  });

  it('shows a movie with its similar movies of the current model (unknown ones skipped), 404 for an unknown id', async () => {
    const { status, body } = await get('/movies/1');
    expect(status).toBe(200);
    expect(body).toMatchObject({ movieId: 1, title: 'Toy Story (1995)', modelVersion: 'v2', links: { imdb: expect.any(String) } });
    expect(body.similar.map((s: { movieId: number }) => s.movieId)).toEqual([2, 3]);
    expect(await get('/movies/777')).toMatchObject({ status: 404, body: { error: { status: 404, message: 'no movie 777' } } });
    expect((await get('/movies/x1')).status).toBe(400);
  });

  it('shows the latest trending window', async () => {
    const { body } = await get('/movies/trending?limit=5');
    expect(body).toMatchObject({ window: '1440m/60m', windowEnd: new Date(5000).toISOString() });
    expect(body.movies.map((m: { movieId: number; ratingsInWindow: number }) => [m.movieId, m.ratingsInWindow])).toEqual([
      [6, 5],
      [1, 4.9],
    ]);
  });
});

describe('system', () => {
  it('shows the online evaluation of the newest window, with hit rates, to anyone; nothing before its first window', async () => {
    expect(await get('/metrics/online', {})).toEqual({ status: 200, body: { window: null, windowEnd: null, rates: [] } });
    data.online = {
      window: '60m/5m',
      windowEnd: 9000,
      rates: [
        { source: 'speed', modelVersion: 'v2', ratings: 40, hits: 3 },
        { source: 'popular', modelVersion: '', ratings: 0, hits: 0 },
      ],
    };
    expect(await get('/metrics/online', {})).toEqual({
      status: 200,
      body: {
        window: '60m/5m',
        windowEnd: new Date(9000).toISOString(),
        rates: [
          { source: 'speed', modelVersion: 'v2', ratings: 40, hits: 3, hitRate: 0.075 },
          { source: 'popular', modelVersion: '', ratings: 0, hits: 0, hitRate: 0 },
        ],
      },
    });
  });

  it('health always; ready only with Cassandra answering and a model current', async () => {
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await get('/ready')).toEqual({ status: 200, body: { status: 'ready', modelVersion: 'v2', movies: 6 } });
    data.down = new Error('down');
    const down = await app.request('/ready');
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
  });

  it('is not ready before the first model', async () => {
    const store = createMemoryStore({ ...data, current: undefined });
    const state = createServingState({ store, modelName: 'als', modelRefreshMs: 1000, catalogRefreshMs: 1000 });
    await state.refresh();
    const bare = createApp({ config, store, events, state, auth: authOf(config), metrics: createMetrics(), limits: limitsOf(config), log: () => {} });
    const res = await bare.request('/ready');
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).error.message).toMatch(/no model is current yet/);
  });

  it('exposes Prometheus metrics of the requests it served', async () => {
    await get('/users/7/recommendations');
    const res = await app.request('/metrics');
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text).toContain('http_requests_total{method="GET",route="/users/:id/recommendations",status="200"} 1');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="0.02",route="\/users\/:id\/recommendations"\} 1/);
    expect(text).toContain('http_request_duration_seconds_count{route="/users/:id/recommendations"} 1');
  });

  it('summarises the last minute for status displays, forgetting older requests', async () => {
    let t = 1_000_000;
    const metrics = createMetrics({ now: () => t });
    for (let i = 0; i < 100; i++) metrics.observeRequest('GET', '/health', 200, i < 98 ? 0.002 : 0.5);
    expect(metrics.recent()).toEqual({ perSecond: 100 / 60, p50Ms: expect.closeTo(2, 1), p99Ms: expect.closeTo(500, -1) });
    t += 30_000;
    metrics.observeRequest('GET', '/health', 200, 0.004);
    expect(metrics.recent().perSecond).toBeCloseTo(101 / 60);
    t += 31_000; // the first second is now more than a minute old
    expect(metrics.recent()).toEqual({ perSecond: 1 / 60, p50Ms: expect.closeTo(4, 1), p99Ms: expect.closeTo(4, 1) });
    t += 60_000;
    expect(metrics.recent()).toEqual({ perSecond: 0, p50Ms: 0, p99Ms: 0 });
  });

  it('keeps the metrics of two apps in one process apart', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.count('ratings_published_total', 'Ratings the API produced to Kafka.');
    b.count('ratings_published_total', 'Ratings the API produced to Kafka.');
    a.count('ratings_published_total', 'Ratings the API produced to Kafka.');
    expect(await a.render()).toContain('ratings_published_total 2');
    expect(await b.render()).toContain('ratings_published_total 1');
  });

  it('labelled gauges are read at each scrape: one series per entry, and only the current ones', async () => {
    const m = createMetrics();
    let rates = [{ labels: { source: 'speed', model_version: 'v2' }, value: 0.25 }];
    m.gauges('online_hit_rate', 'Hit rate.', ['source', 'model_version'], () => rates);
    expect(await m.render()).toContain('online_hit_rate{source="speed",model_version="v2"} 0.25');
    rates = [{ labels: { source: 'batch', model_version: 'v3' }, value: 0.1 }];
    const text = await m.render();
    expect(text).toContain('online_hit_rate{source="batch",model_version="v3"} 0.1');
    expect(text).not.toContain('source="speed"');
  });

  it('publishes an OpenAPI document generated from the validators', async () => {
    const { status, body } = await get('/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/users/{id}/recommendations',
        '/users/{id}/ratings',
        '/movies',
        '/movies/{id}',
        '/movies/trending',
        '/session',
        '/ready',
        '/admin/batch',
      ]),
    );
    expect(body.paths['/users/{id}/ratings'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/NewRating');
    // every route of the app is in the spec, but the pages (the web page, its files, /docs)
    const documented = new Set(Object.entries(body.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p}`)));
    const routes = app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '/' && !/^\/(web|docs)\b/.test(r.path) && r.path !== '/openapi.json')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
    // with their security: a user's routes take the user's token or an API key, admin routes a key, the rest none
    expect(Object.keys(body.components.securitySchemes)).toEqual(['userToken', 'apiKey']);
    expect(body.paths['/users/{id}/recommendations'].get.security).toEqual([{ userToken: [] }, { apiKey: [] }]);
    expect(body.paths['/users/{id}/ratings'].post.security).toEqual([{ userToken: [] }, { apiKey: [] }]);
    expect(body.paths['/admin/batch'].post.security).toEqual([{ apiKey: [] }]);
    expect(body.paths['/metrics'].get.security).toEqual([]);
    expect(body.components.schemas.NewRating.properties.rating).toMatchObject({ minimum: 0.5, maximum: 5 });
  });

  it('answers unknown routes with a JSON 404', async () => {
    expect(await get('/nope')).toEqual({ status: 404, body: { error: { status: 404, message: 'no route GET /nope' } } });
  });

  it('serves the web page, and Swagger UI over the OpenAPI document at /docs', async () => {
    const res = await app.request('/');
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<script type="module" src="/web/app.js">');
    expect((await app.request('/web/app.js')).status).toBe(200);
    const docs = await app.request('/docs');
    expect(await docs.text()).toContain('<script src="/docs/swagger-ui-bundle.js">');
    for (const file of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/init.js']) expect((await app.request(file)).status, file).toBe(200);
    expect(await (await app.request('/docs/init.js')).text()).toContain("url: '/openapi.json'");
  });
});

describe('admin', () => {
  it('needs an API key with the admin scope', async () => {
    expect((await post('/admin/batch', {})).status).toBe(401);
    expect((await post('/admin/batch', {}, { authorization: 'Bearer mrk_wrong-key' })).status).toBe(401);
    expect((await post('/admin/batch', {}, asKey('backend'))).status).toBe(403);
    expect((await post('/admin/batch', {}, asUser(7))).status).toBe(403);
    expect(admin.runs).toBe(0);
    expect(await post('/admin/batch', {}, asKey('ops'))).toEqual({ status: 202, body: { started: true, message: 'run 1' } });
    expect(await get('/admin/status', { authorization: `Bearer ${TEST_KEYS.ops}` })).toEqual({ status: 200, body: { engines: 'ok' } });
  });
});

describe('POST /recommendations (a basket)', () => {
  const basket = (body: unknown, headers: Record<string, string> = asKey('reader')) => post('/recommendations', body, headers);

  it('equals the fold-in of the same ratings with the current item factors, the basket excluded', async () => {
    const { status, body } = await basket({ items: [{ movieId: 1, rating: 5 }, { movieId: 4 }], limit: 5 });
    expect(status).toBe(200);
    const expected = recommendFolded(
      model,
      foldIn(model, [
        { movieId: 1, rating: 5 },
        { movieId: 4, rating: 5 },
      ]),
      { limit: 5, exclude: new Set([1, 4]) },
    );
    expect(body).toMatchObject({ source: 'basket', modelVersion: 'v2', folded: 2 });
    expect(body.items.map((i: { movieId: number; score: number }) => [i.movieId, i.score])).toEqual(expected.map((e) => [e.movieId, e.score]));
    expect(body.items.map((i: { movieId: number }) => i.movieId)).toEqual([6, 2]);
    expect(body.items[0]).toMatchObject({ title: 'GoldenEye (1995)', genres: ['Action'], links: { imdb: expect.stringContaining('imdb.com') } });
  });

  it('ratings change the result as they change the fold-in; a genre keeps only its movies', async () => {
    const liked = (await basket({ items: [{ movieId: 2, rating: 5 }] })).body.items.map((i: { movieId: number }) => i.movieId);
    expect(liked[0]).toBe(1);
    const action = (await basket({ items: [{ movieId: 2, rating: 5 }], genre: 'Action' })).body.items.map((i: { movieId: number }) => i.movieId);
    expect(action).toEqual([6, 4].filter((id) => liked.includes(id)).sort((a, b) => liked.indexOf(a) - liked.indexOf(b)));
  });

  it('movies the model does not know are not folded in; none known gives no items', async () => {
    expect((await basket({ items: [{ movieId: 3 }, { movieId: 1 }] })).body.folded).toBe(1);
    const none = await basket({ items: [{ movieId: 3 }] });
    expect(none.body).toMatchObject({ folded: 0 });
  });

  it('needs a credential: any user token or a key with read; refuses bad baskets with 400', async () => {
    expect((await basket({ items: [{ movieId: 1 }] }, {})).status).toBe(401);
    expect((await basket({ items: [{ movieId: 1 }] }, asUser(42))).status).toBe(200);
    expect((await basket({ items: [{ movieId: 1 }] }, asKey('ops'))).status).toBe(403);
    for (const bad of [
      { items: [] },
      { items: [{ movieId: 0 }] },
      { items: [{ movieId: 1, rating: 5.5 }] },
      { items: [{ movieId: 1 }], limit: 0 },
      { items: [{ movieId: 1 }], extra: 1 },
      {},
    ])
      expect((await basket(bad)).status, JSON.stringify(bad)).toBe(400);
    // 101 movies are over this app's 512-byte body limit; the 100-movie rule is checked in security.test.ts
    expect((await basket({ items: Array.from({ length: 101 }, (_, i) => ({ movieId: i + 1 })) })).status).toBe(413);
  });
});
