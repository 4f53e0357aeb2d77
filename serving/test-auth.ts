/**
 * Credentials for the API's in-process tests: fixed API keys (backend: read and write, reader:
 * read, ops: admin), a JWT secret, a host application's user token signer, and a small app.
 */
import { createHmac } from 'node:crypto';
import { createApp } from './app.ts';
import { apiKeyEntry, createAuthenticator } from './auth.ts';
import { loadApiConfig } from './config.ts';
import { createMemoryEvents, createMemoryStore, type MemoryData } from './memory-store.ts';
import { createMetrics } from './metrics.ts';
import { createWriteLimits } from './rate-limit.ts';
import { createServingState } from './serving-state.ts';
import type { Movie } from './store.ts';

export const TEST_JWT_SECRET = 'test-jwt-secret-0123456789abcdef-0123';
export const TEST_KEYS = {
  backend: 'mrk_backend-test-key-0000000000000000000000000',
  reader: 'mrk_reader-test-key-00000000000000000000000000',
  ops: 'mrk_ops-test-key-0000000000000000000000000000000',
} as const;

/** The API settings that configure the keys and the secret above. */
export const TEST_AUTH_ENV = {
  API_JWT_SECRET: TEST_JWT_SECRET,
  API_KEYS: [
    apiKeyEntry('backend', ['read', 'write'], TEST_KEYS.backend),
    apiKeyEntry('reader', ['read'], TEST_KEYS.reader),
    apiKeyEntry('ops', ['admin'], TEST_KEYS.ops),
  ].join(';'),
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A user token as a host application signs it (HS256); `claims` override the defaults (sub, exp in an hour). */
export function signUserToken(userId: number | string, claims: Record<string, unknown> = {}, secret = TEST_JWT_SECRET): string {
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: String(userId), iat: now, exp: now + 3600, ...claims })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

export const asUser = (userId: number) => ({ authorization: `Bearer ${signUserToken(userId)}` });
export const asKey = (name: keyof typeof TEST_KEYS) => ({ 'x-api-key': TEST_KEYS[name] });

/** A movie of the in-process tests' catalogues. */
export const testMovie = (movieId: number, title: string, genres: string[], ratingCount = 10): Movie => ({
  movieId,
  title,
  year: 1995,
  genres,
  imdbId: '0114709',
  tmdbId: 862,
  ratingCount,
  ratingMean: 3.9,
});

/** A small app over the in-memory store (three movies, a model, users 7 and 8 with rows), for the security and fuzz tests. */
export async function smallApp(env: Record<string, string> = {}) {
  const config = loadApiConfig({ ...TEST_AUTH_ENV, ...env });
  const row = (...ids: number[]) => ({ modelVersion: 'v1', computedAt: 2000, items: ids.map((movieId, i) => ({ movieId, score: 3 - i })) });
  const data: MemoryData = {
    current: { version: 'v1', dataCutoff: 1000, path: 'hdfs://nn:9000/models/als/v1', metrics: {}, switchedAt: 2000 },
    movies: [testMovie(1, 'Toy Story (1995)', ['Animation', 'Comedy']), testMovie(2, 'Jumanji (1995)', ['Adventure']), testMovie(3, 'Heat (1995)', ['Action'])],
    speed: new Map([[7, row(2, 3)]]),
    batch: new Map([[8, row(1, 3)]]),
    ratings: new Map([[7, [{ movieId: 1, rating: 4, ratedAt: 100 }]]]),
    similar: new Map([[1, [{ movieId: 2, score: 0.9 }]]]),
  };
  const store = createMemoryStore(data);
  const events = createMemoryEvents();
  const state = createServingState({ store, modelName: 'als', modelRefreshMs: 1000, catalogRefreshMs: 60_000 });
  await state.refresh({ catalog: true });
  const app = createApp({
    config,
    store,
    events,
    state,
    auth: createAuthenticator({ keys: config.apiKeys, jwt: config.jwt, demo: config.demo ? { hours: config.sessionHours } : undefined }),
    metrics: createMetrics(),
    limits: createWriteLimits({
      userPerMin: config.rateLimitPerMin,
      keyPerMin: config.keyRateLimitPerMin,
      signInPerMin: config.sessionPerMin,
      capPerS: config.writeCapPerS,
    }),
    log: () => {},
  });
  return { app, data, events, config };
}
