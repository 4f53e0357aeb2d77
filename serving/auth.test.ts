import { generateKeyPairSync } from 'node:crypto';
import { Jwt } from 'hono/utils/jwt';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { apiKeyEntry, createAuthenticator, hashApiKey, newApiKey, parseApiKeys } from './auth.ts';
import { ApiError } from './errors.ts';
import { signUserToken, TEST_JWT_SECRET } from './test-auth.ts';

const now = () => Math.floor(Date.now() / 1000);
const failure = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
};

describe('API keys', () => {
  it('are random, prefixed, and configured by their hash only', () => {
    const key = newApiKey();
    expect(key).toMatch(/^mrk_[A-Za-z0-9_-]{43}$/);
    expect(newApiKey()).not.toBe(key);
    const [entry] = parseApiKeys(apiKeyEntry('backend', ['read', 'write'], key));
    expect(entry).toEqual({ name: 'backend', scopes: ['read', 'write'], sha256: hashApiKey(key) });
    expect(apiKeyEntry('backend', ['read'], key)).not.toContain(key);
  });

  it('several keys parse; a bad entry is refused with the reason', () => {
    const spec = `a:read:${'0'.repeat(64)}; b:write,admin:${'1'.repeat(64)}`;
    expect(parseApiKeys(spec).map((k) => k.name)).toEqual(['a', 'b']);
    expect(parseApiKeys('')).toEqual([]);
    expect(() => parseApiKeys(`a:read:${'0'.repeat(63)}`)).toThrow(/64 lowercase hex/);
    expect(() => parseApiKeys(`a:delete:${'0'.repeat(64)}`)).toThrow(/unknown scope delete/);
    expect(() => parseApiKeys('a:read')).toThrow(/name:scope/);
    expect(() => parseApiKeys(`a:read:${'0'.repeat(64)};a:write:${'1'.repeat(64)}`)).toThrow(/configured twice/);
  });

  it('a known key is its principal with its scopes, from either header; an unknown one is 401', async () => {
    const key = newApiKey();
    const auth = createAuthenticator({ keys: parseApiKeys(apiKeyEntry('backend', ['read'], key)) });
    const principal = await auth.authenticate({ apiKey: key });
    expect(principal).toMatchObject({ kind: 'key', name: 'backend' });
    expect(principal?.kind === 'key' && [...principal.scopes]).toEqual(['read']);
    expect(await auth.authenticate({ authorization: `Bearer ${key}` })).toEqual(principal);
    expect((await failure(auth.authenticate({ apiKey: newApiKey() }))).status).toBe(401);
    expect(await auth.authenticate({})).toBeUndefined();
  });
});

describe('user tokens', () => {
  const auth = createAuthenticator({ jwt: { secret: TEST_JWT_SECRET } });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("a token signed with the shared secret is its sub's user", async () => {
    expect(await auth.authenticate(bearer(signUserToken(42)))).toEqual({ kind: 'user', userId: 42 });
  });

  it('expired, forged, wrongly signed, unsigned or malformed tokens are 401 with the reason', async () => {
    const cases: [string, RegExp][] = [
      [signUserToken(42, { exp: now() - 10 }), /expired/],
      [`${signUserToken(42).slice(0, -3)}abc`, /signature/],
      [signUserToken(42, {}, 'another-secret-of-another-app-00000000'), /signature/],
      [`${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"42"}').toString('base64url')}.`, /none|no algorithm/],
      ['not-a-jwt', /well-formed/],
      ['a.b.c', /well-formed/],
      [signUserToken(42, { exp: undefined }), /no exp/],
      [signUserToken('0'), /sub claim/],
      [signUserToken('abc'), /sub claim/],
      [signUserToken('99999999999'), /sub claim/],
      [signUserToken(42, { nbf: now() + 600 }), /not valid yet/],
    ];
    for (const [token, reason] of cases) {
      const error = await failure(auth.authenticate(bearer(token)));
      expect(error.status, token).toBe(401);
      expect(error.message, token).toMatch(reason);
    }
    expect((await failure(auth.authenticate({ authorization: 'Basic dXNlcjpwYXNz' }))).message).toMatch(/Bearer/);
  });

  it('no user token is accepted when no key to verify it is configured', async () => {
    const keysOnly = createAuthenticator({});
    expect((await failure(keysOnly.authenticate(bearer(signUserToken(42))))).message).toMatch(/HS256 are not accepted/);
  });

  it('a verified token is remembered, but not past its expiry; a forged one is never remembered as valid', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    vi.setSystemTime(new Date('2026-11-30T00:00:00Z'));
    const fresh = createAuthenticator({ jwt: { secret: TEST_JWT_SECRET } });
    const token = signUserToken(42, { exp: now() + 2 });
    expect(await fresh.authenticate(bearer(token))).toEqual({ kind: 'user', userId: 42 });
    expect(await fresh.authenticate(bearer(token))).toEqual({ kind: 'user', userId: 42 });
    vi.setSystemTime(new Date('2026-11-30T00:00:03Z'));
    expect((await failure(fresh.authenticate(bearer(token)))).message).toMatch(/expired/);
    const forged = `${token.slice(0, -2)}xx`;
    for (let i = 0; i < 2; i++) expect((await failure(fresh.authenticate(bearer(forged)))).status).toBe(401);
  });

  it('issuer and audience, when configured, must match', async () => {
    const strict = createAuthenticator({ jwt: { secret: TEST_JWT_SECRET, issuer: 'https://shop.example', audience: 'moviereco' } });
    expect(await strict.authenticate(bearer(signUserToken(5, { iss: 'https://shop.example', aud: 'moviereco' })))).toEqual({ kind: 'user', userId: 5 });
    expect((await failure(strict.authenticate(bearer(signUserToken(5, { iss: 'https://evil.example', aud: 'moviereco' }))))).message).toMatch(/issuer/);
    expect((await failure(strict.authenticate(bearer(signUserToken(5))))).status).toBe(401);
  });

  it('RS256 against a public key (PEM) or a JWKS; a token from another key pair or an HS256 token made with the public key is 401', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = (k: typeof pair.privateKey) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const claims = { sub: '9', exp: now() + 60 };
    const good = await Jwt.sign(claims, pem(pair.privateKey), 'RS256');
    const byPem = createAuthenticator({ jwt: { publicKey: publicPem } });
    expect(await byPem.authenticate(bearer(good))).toEqual({ kind: 'user', userId: 9 });
    expect((await failure(byPem.authenticate(bearer(await Jwt.sign(claims, pem(other.privateKey), 'RS256'))))).status).toBe(401);
    // algorithm confusion: the public key used as an HMAC secret
    expect((await failure(byPem.authenticate(bearer(signUserToken(9, {}, publicPem))))).status).toBe(401);

    const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' };
    let fetches = 0;
    const byJwks = createAuthenticator({
      jwt: { jwksUrl: 'https://shop.example/.well-known/jwks.json' },
      fetchJwks: async () => {
        fetches++;
        return [jwk as never];
      },
    });
    const withKid = await Jwt.sign(claims, { ...pair.privateKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256' } as never, 'RS256');
    expect(await byJwks.authenticate(bearer(withKid))).toEqual({ kind: 'user', userId: 9 });
    expect(await byJwks.authenticate(bearer(withKid))).toEqual({ kind: 'user', userId: 9 });
    expect(fetches).toBe(1);
    const down = createAuthenticator({
      jwt: { jwksUrl: 'https://shop.example/.well-known/jwks.json' },
      fetchJwks: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    expect((await failure(down.authenticate(bearer(withKid)))).status).toBe(503);
  });

  it('demo mode signs tokens for any id that the same process accepts; outside demo mode there is no demo signer', async () => {
    const demo = createAuthenticator({ demo: { hours: 1 } });
    const { token, expiresAt } = await demo.demoToken!(77, 1_000_000);
    expect(expiresAt).toBe(1_000_000 + 3_600_000);
    const fresh = await demo.demoToken!(77);
    expect(await demo.authenticate(bearer(fresh.token))).toEqual({ kind: 'user', userId: 77 });
    expect((await failure(demo.authenticate(bearer(token)))).message).toMatch(/expired/);
    expect(createAuthenticator({ jwt: { secret: TEST_JWT_SECRET } }).demoToken).toBeUndefined();
  });
});
