/** Who may read and write through the routes, the limits, demo sign-in, and the response headers. */
import { describe, expect, it } from 'vitest';
import { asKey, asUser, signUserToken, smallApp } from './test-auth.ts';

type App = Awaited<ReturnType<typeof smallApp>>['app'];
const call = async (app: App, path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
  const res = await app.request(path, {
    method: init.method ?? 'GET',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    headers: { 'content-type': 'application/json', ...init.headers },
  });
  return { status: res.status, headers: res.headers, body: (await res.json().catch(() => undefined)) as any };
};
const rate = (app: App, userId: number, headers: Record<string, string>, movieId = 2) =>
  call(app, `/users/${userId}/ratings`, { method: 'POST', body: { movieId, rating: 4 }, headers });

describe("a user's data", () => {
  const reads = (u: number) => [`/users/${u}/recommendations`, `/users/${u}/ratings`];

  it('is readable with no credential by nobody: 401 saying what to send', async () => {
    const { app } = await smallApp();
    for (const path of reads(7)) {
      const res = await call(app, path);
      expect(res.status, path).toBe(401);
      expect(res.body.error.message).toMatch(/credentials needed/);
    }
  });

  it('is readable and writable by its user; user A gets 403 on B', async () => {
    const { app, events } = await smallApp();
    for (const path of reads(7)) expect((await call(app, path, { headers: asUser(7) })).status, path).toBe(200);
    for (const path of reads(8)) {
      const res = await call(app, path, { headers: asUser(7) });
      expect(res.status, path).toBe(403);
      expect(res.body.error.message).toBe('signed in as user 7; a user reads and writes only their own data');
    }
    expect((await rate(app, 7, asUser(7))).status).toBe(202);
    expect((await rate(app, 8, asUser(7))).status).toBe(403);
    expect(events.published.map((e) => e.userId)).toEqual([7]);
  });

  it('expired, forged and wrongly signed tokens get 401 and write nothing', async () => {
    const { app, events } = await smallApp();
    const now = Math.floor(Date.now() / 1000);
    for (const token of [
      signUserToken(7, { exp: now - 1 }),
      `${signUserToken(7).slice(0, -2)}xx`,
      signUserToken(7, {}, 'a-secret-the-api-does-not-know-000000'),
    ]) {
      expect((await call(app, '/users/7/recommendations', { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
      expect((await rate(app, 7, { authorization: `Bearer ${token}` })).status).toBe(401);
    }
    expect(events.published).toEqual([]);
  });

  it('API keys act within their scopes: read, write (for any user), admin', async () => {
    const { app, events } = await smallApp();
    expect((await call(app, '/users/8/recommendations', { headers: asKey('reader') })).status).toBe(200);
    expect((await rate(app, 8, asKey('reader'))).body.error.message).toBe('API key reader has no write scope');
    expect((await rate(app, 8, asKey('backend'))).status).toBe(202);
    expect((await rate(app, 9, asKey('backend'))).status).toBe(202);
    expect((await call(app, '/users/8/ratings', { headers: asKey('ops') })).status).toBe(403);
    expect((await call(app, '/admin/status', { headers: asKey('backend') })).status).toBe(403);
    expect((await call(app, '/users/8/ratings', { headers: { 'x-api-key': 'mrk_not-a-configured-key' } })).status).toBe(401);
    expect(events.published.map((e) => e.userId)).toEqual([8, 9]);
  });

  it('the catalogue, health and the web page need no credential', async () => {
    const { app } = await smallApp();
    for (const path of ['/movies', '/movies/1', '/movies/genres', '/health', '/ready']) expect((await call(app, path)).status, path).toBe(200);
    expect((await app.request('/')).status).toBe(200);
  });
});

describe('a basket', () => {
  it('is at most 100 movies', async () => {
    const { app } = await smallApp();
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ movieId: i + 1 }));
    const over = await call(app, '/recommendations', { method: 'POST', body: { items: items(101) }, headers: asKey('reader') });
    expect(over.status).toBe(400);
    expect(over.body.error.message).toMatch(/at most 100 movies/);
  });
});

describe('demo sign-in', () => {
  it('is refused outside demo mode (the default)', async () => {
    const { app } = await smallApp();
    const res = await call(app, '/session', { method: 'POST', body: { userId: 7 } });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/demo sign-in is off/);
  });

  it('in demo mode gives a token that reads and writes as that user only', async () => {
    const { app } = await smallApp({ API_DEMO: 'true' });
    const { body } = await call(app, '/session', { method: 'POST', body: { userId: 7 } });
    const as7 = { authorization: `Bearer ${body.token}` };
    expect((await call(app, '/users/7/recommendations', { headers: as7 })).status).toBe(200);
    expect((await call(app, '/users/8/recommendations', { headers: as7 })).status).toBe(403);
  });
});

describe('limits', () => {
  it("a user's ratings: 429 with Retry-After past API_RATE_LIMIT_PER_MIN", async () => {
    const { app } = await smallApp({ API_RATE_LIMIT_PER_MIN: '2' });
    expect((await rate(app, 7, asUser(7))).status).toBe(202);
    expect((await rate(app, 7, asUser(7))).status).toBe(202);
    const limited = await rate(app, 7, asUser(7));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.error.message).toMatch(/too many ratings from user 7/);
    // another principal is not affected
    expect((await rate(app, 8, asUser(8))).status).toBe(202);
  });

  it('an API key has its own limit, whichever users it writes for', async () => {
    const { app } = await smallApp({ API_KEY_RATE_LIMIT_PER_MIN: '3' });
    for (const u of [1, 2, 3]) expect((await rate(app, u, asKey('backend'))).status).toBe(202);
    const limited = await rate(app, 4, asKey('backend'));
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toMatch(/API key backend/);
  });

  it('one cap on all writes of the process, and sign-ins per client address', async () => {
    const capped = await smallApp({ API_WRITE_CAP_PER_S: '3' });
    const statuses = [];
    for (const u of [1, 2, 3, 4, 5]) statuses.push((await rate(capped.app, u, asUser(u))).status);
    expect(statuses).toEqual([202, 202, 202, 429, 429]);

    const demo = await smallApp({ API_DEMO: 'true', API_SESSION_PER_MIN: '2' });
    const signIn = (userId: number) => call(demo.app, '/session', { method: 'POST', body: { userId } });
    expect([(await signIn(1)).status, (await signIn(2)).status]).toEqual([200, 200]);
    const limited = await signIn(3);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('behind a trusted proxy, sign-ins count per forwarded client address', async () => {
    const { app } = await smallApp({ API_DEMO: 'true', API_SESSION_PER_MIN: '1', API_TRUST_PROXY: 'true' });
    const from = (ip: string) => call(app, '/session', { method: 'POST', body: { userId: 1 }, headers: { 'x-forwarded-for': `1.1.1.1, ${ip}` } });
    expect((await from('10.0.0.1')).status).toBe(200);
    expect((await from('10.0.0.1')).status).toBe(429);
    expect((await from('10.0.0.2')).status).toBe(200);
  });
});

describe('response headers', () => {
  it('are secure: CSP of the own origin, no sniffing, no framing', async () => {
    const { app } = await smallApp();
    const res = await app.request('/');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    // the recommendations, whose answer is built with the headers in it, carry the same
    const recs = await app.request('/users/8/recommendations', { headers: asKey('reader') });
    expect(recs.status).toBe(200);
    for (const name of ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'strict-transport-security'])
      expect(recs.headers.get(name)).toBe(res.headers.get(name));
  });

  it('CORS: none by default (same origin); the configured origins only', async () => {
    const preflight = (app: App, origin: string) =>
      app.request('/users/7/ratings', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    const closed = await smallApp();
    expect((await closed.app.request('/movies', { headers: { origin: 'https://shop.example' } })).headers.get('access-control-allow-origin')).toBeNull();
    const open = await smallApp({ API_CORS_ORIGINS: 'https://shop.example' });
    expect((await preflight(open.app, 'https://shop.example')).headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect((await preflight(open.app, 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
