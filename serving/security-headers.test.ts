import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS, securedBody, securityHeaders } from './security-headers.ts';

const headersOf = (res: Response) => Object.fromEntries([...res.headers.entries()].filter(([name]) => name !== 'content-type'));

describe('security headers', () => {
  it("are those of Hono's secureHeaders with the page's policy", async () => {
    const hono = new Hono()
      .use(
        secureHeaders({
          contentSecurityPolicy: {
            defaultSrc: ["'self'"],
            imgSrc: ["'self'", 'data:'],
            objectSrc: ["'none'"],
            frameAncestors: ["'none'"],
            baseUri: ["'self'"],
          },
          crossOriginResourcePolicy: 'same-origin',
        }),
      )
      .get('/', (c) => c.json({}));
    expect(headersOf(await hono.request('/'))).toEqual(SECURITY_HEADERS);
  });

  it('are set on every answer, and an answer built with them keeps its own headers and body', async () => {
    const app = new Hono()
      .use(securityHeaders())
      .get('/plain', (c) => c.json({ a: 1 }))
      .get('/built', () => securedBody('{"b":2}', { 'content-type': 'application/json', 'x-extra': 'yes' }));
    const plain = await app.request('/plain');
    expect(headersOf(plain)).toEqual(SECURITY_HEADERS);
    const built = await app.request('/built');
    expect(built.status).toBe(200);
    expect(built.headers.get('content-type')).toBe('application/json');
    expect(await built.text()).toBe('{"b":2}');
    expect(headersOf(built)).toEqual({ ...SECURITY_HEADERS, 'x-extra': 'yes' });
    // a 404 of the router gets them too
    expect(headersOf(await app.request('/nothing'))).toEqual(SECURITY_HEADERS);
  });
});
