/**
 * 10,000 random and malformed requests to the in-process app (fast-check): no 5xx but a
 * documented 503 with Retry-After, no crash, and every error a JSON body naming its status.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signUserToken, smallApp, TEST_KEYS } from './test-auth.ts';

const printable = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength });
const segment = fc.oneof(
  fc.nat().map(String),
  fc.integer({ min: -1e12, max: 1e12 }).map(String),
  fc.constantFrom('0', '7', '8', '2147483647', '2147483648', '9'.repeat(40), '1e3', '0x10', '..', '%00', '%2e%2e', ' 7', '7.5', 'NaN', '-0'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);
const path = fc.oneof(
  segment.map((u) => `/users/${u}/recommendations`),
  segment.map((u) => `/users/${u}/ratings`),
  fc.tuple(segment, segment).map(([u, m]) => `/users/${u}/recommendations/${m}/explanation`),
  segment.map((m) => `/movies/${m}`),
  fc.constantFrom(
    '/movies',
    '/movies/trending',
    '/movies/genres',
    '/session',
    '/admin/batch',
    '/admin/status',
    '/health',
    '/ready',
    '/metrics/summary',
    '/openapi.json',
  ),
  fc.string({ maxLength: 40 }).map((s) => `/${encodeURIComponent(s)}`),
);
const query = fc.option(
  fc
    .record(
      { limit: fc.oneof(fc.integer({ min: -5, max: 500 }).map(String), printable(12)), genre: printable(60), search: printable(60), offset: printable(8) },
      { requiredKeys: [] },
    )
    .map((q) => `?${new URLSearchParams(q as Record<string, string>)}`),
  { nil: '' },
);
const authorization = fc.option(
  fc.oneof(
    fc.integer({ min: 1, max: 10 }).map((u) => `Bearer ${signUserToken(u)}`),
    fc.constantFrom(`Bearer ${TEST_KEYS.backend}`, `Bearer ${TEST_KEYS.reader}`, `Bearer ${TEST_KEYS.ops}`, 'Bearer mrk_', 'Bearer', 'Basic abc'),
    fc.tuple(fc.string({ maxLength: 20 }), fc.jsonValue()).map(([sub, exp]) => `Bearer ${signUserToken(sub, { exp })}`),
    printable(200).map((s) => `Bearer ${s}`),
    printable(80),
  ),
  { nil: undefined },
);
const body = fc.option(
  fc.oneof(
    fc
      .record(
        { movieId: fc.oneof(fc.integer(), fc.double(), fc.string()), rating: fc.oneof(fc.double(), fc.constantFrom(0.5, 4, 5, 5.5, -1)) },
        { requiredKeys: [] },
      )
      .map((b) => JSON.stringify(b)),
    fc.record({ userId: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)) }).map((b) => JSON.stringify(b)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('latin1')),
    printable(6000),
  ),
  { nil: undefined },
);
const anyRequest = fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
  path,
  query,
  authorization,
  apiKey: fc.option(fc.oneof(fc.constantFrom(TEST_KEYS.backend, TEST_KEYS.reader), printable(60)), { nil: undefined, freq: 4 }),
  idempotencyKey: fc.option(printable(120), { nil: undefined, freq: 3 }),
  contentType: fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', ''),
  body,
});
// well-formed ratings, so the run also goes past the validators into the write path
const ratingRequest = fc.record({
  method: fc.constant('POST'),
  path: fc.integer({ min: 1, max: 10 }).map((u) => `/users/${u}/ratings`),
  query: fc.constant(''),
  authorization: fc.constant(undefined),
  apiKey: fc.constant(TEST_KEYS.backend as string),
  idempotencyKey: fc.option(fc.stringMatching(/^[a-z0-9-]{1,12}$/), { nil: undefined }),
  contentType: fc.constant('application/json'),
  body: fc.record({ movieId: fc.constantFrom(1, 2, 3, 999), rating: fc.constantFrom(0.5, 3, 4.5, 5, 5.5) }).map((b) => JSON.stringify(b)),
});
const request = fc.oneof({ arbitrary: anyRequest, weight: 9 }, { arbitrary: ratingRequest, weight: 1 });

describe('fuzzing the API', () => {
  it('10,000 random and malformed requests: no 5xx but 503 with Retry-After, every error a JSON body', { timeout: 120_000 }, async () => {
    const { app } = await smallApp({ API_DEMO: 'true', API_RATE_LIMIT_PER_MIN: '100000', API_WRITE_CAP_PER_S: '100000' });
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (r.apiKey !== undefined) headers['x-api-key'] = r.apiKey;
        if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey;
        if (r.contentType) headers['content-type'] = r.contentType;
        const withBody = r.body !== undefined && !['GET', 'HEAD'].includes(r.method);
        const res = await app.request(`${r.path}${r.query}`, { method: r.method, headers, body: withBody ? r.body : undefined });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const text = await res.text();
        if (res.status >= 500) {
          expect(res.status, `${r.method} ${r.path}: ${text}`).toBe(503);
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        }
        if (res.status >= 400 && r.method !== 'HEAD') {
          const parsed = JSON.parse(text);
          expect(parsed.error.status).toBe(res.status);
          expect(typeof parsed.error.message).toBe('string');
        }
      }),
      { numRuns: 10_000, seed: 20_261_130 },
    );
    // the run reached the handlers, not only the validators: successes and each kind of refusal
    for (const status of [200, 202, 400, 401, 403, 404]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  });
});
