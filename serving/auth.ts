/**
 * Who is calling (docs/security.md). Two kinds of principal, as such services are deployed:
 * - the host application's backend, with an API key: several keys, each named and scoped (read,
 *   write, admin), configured as SHA-256 hashes in API_KEYS, so a key is rotated by adding the new
 *   one and removing the old;
 * - an end user, with a token the host application signs (a JWT whose `sub` is the user id; HS256
 *   with API_JWT_SECRET, or RS256 against API_JWT_PUBLIC_KEY or the keys at API_JWT_JWKS_URL),
 *   verified with Hono's JWT utilities. A user reads and writes only their own data.
 * In demo mode only (`npm start`), `demoToken` signs such a token for any user id.
 */
import { hash, randomBytes } from 'node:crypto';
import { Jwt } from 'hono/utils/jwt';
import type { HonoJsonWebKey } from 'hono/utils/jwt/jws';
import { validId } from '../schemas/rating-rule.ts';
import { trimOldest } from '../lib/bounded-map.ts';
import { ApiError, unavailable } from './errors.ts';

/** Credentials that are present but not valid: 401 with the reason. */
const invalid = (reason: string) => new ApiError(401, reason);

export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export type Principal = { kind: 'key'; name: string; scopes: ReadonlySet<Scope> } | { kind: 'user'; userId: number };

export interface ApiKeyEntry {
  name: string;
  scopes: Scope[];
  /** SHA-256 of the key, hex */
  sha256: string;
}

/** Verified user tokens remembered per process, at most (the oldest go first). */
const VERIFIED_TOKENS = 50_000;

/** What an API key's name may be. */
export const KEY_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The prefix of every API key: it tells a key from a JWT in the Authorization header. */
export const API_KEY_PREFIX = 'mrk_';

/** A new random API key (32 bytes); only its hash goes into the configuration. */
export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  // the one-shot hash: no Hash object per request (this runs on every request with a key)
  return hash('sha256', key, 'hex');
}

/** The line of API_KEYS for a key: `name:scope,scope:sha256`. */
export function apiKeyEntry(name: string, scopes: readonly Scope[], key: string): string {
  return `${name}:${scopes.join(',')}:${hashApiKey(key)}`;
}

/** Parses API_KEYS: entries `name:scope[,scope]:sha256hex`, separated by `;` or whitespace. Throws with the reason. */
export function parseApiKeys(spec: string): ApiKeyEntry[] {
  const entries = spec
    .split(/[;\s]+/)
    .filter(Boolean)
    .map((entry, i) => {
      const parts = entry.split(':');
      if (parts.length !== 3) throw new Error(`entry ${i + 1} must be name:scope[,scope]:sha256hex, found ${parts.length} fields`);
      const [name, scopes, sha256] = parts as [string, string, string];
      if (!KEY_NAME.test(name)) throw new Error(`entry ${i + 1}: the name must be 1 to 64 of A-Z a-z 0-9 . _ -`);
      const list = scopes.split(',');
      const unknown = list.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (unknown.length > 0 || list.length === 0)
        throw new Error(`key ${name}: unknown scope ${unknown.join(',') || '(none)'}; scopes are ${SCOPES.join(', ')}`);
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`key ${name}: the hash must be 64 lowercase hex digits (npm run api -- new-key prints it)`);
      return { name, scopes: list as Scope[], sha256 };
    });
  const names = entries.map((e) => e.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`key ${twice} is configured twice`);
  return entries;
}

export interface AuthOptions {
  keys?: readonly ApiKeyEntry[];
  jwt?: {
    /** HS256 secret shared with the host application */
    secret?: string;
    /** RS256 public key, PEM */
    publicKey?: string;
    /** RS256 keys, fetched and cached */
    jwksUrl?: string;
    jwksRefreshMs?: number;
    issuer?: string;
    audience?: string;
  };
  /** demo mode: `demoToken` signs a token for any user id (with jwt.secret, or a random per-process secret) */
  demo?: { hours: number };
  fetchJwks?: (url: string) => Promise<HonoJsonWebKey[]>;
}

export interface Authenticator {
  /** the principal of a request's credentials; undefined when none were sent; throws ApiError 401 when they are not valid (503 when the JWKS cannot be fetched) */
  authenticate(credentials: { authorization?: string; apiKey?: string }): Promise<Principal | undefined>;
  /** demo mode only (else undefined): a user token for any id */
  readonly demoToken?: (userId: number, now?: number) => Promise<{ token: string; expiresAt: number }>;
}

const defaultFetchJwks = async (url: string): Promise<HonoJsonWebKey[]> => {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`JWKS ${url} answered ${res.status}`);
  const body = (await res.json()) as { keys?: unknown };
  if (!Array.isArray(body.keys)) throw new Error(`JWKS ${url} has no keys array`);
  return body.keys as HonoJsonWebKey[];
};

export function createAuthenticator({ keys = [], jwt = {}, demo, fetchJwks = defaultFetchJwks }: AuthOptions): Authenticator {
  const byHash = new Map(keys.map((k) => [k.sha256, { kind: 'key' as const, name: k.name, scopes: new Set(k.scopes) }]));
  const hmacSecret = jwt.secret ?? (demo ? randomBytes(32).toString('hex') : undefined);
  const claims = { ...(jwt.issuer ? { iss: jwt.issuer } : {}), ...(jwt.audience ? { aud: jwt.audience } : {}) };
  let jwks: { keys: HonoJsonWebKey[]; at: number } | undefined;
  const jwksKeys = async (now: number) => {
    if (!jwt.jwksUrl) return undefined;
    if (!jwks || now - jwks.at > (jwt.jwksRefreshMs ?? 600_000)) jwks = { keys: await fetchJwks(jwt.jwksUrl), at: now };
    return jwks.keys;
  };

  const keyPrincipal = (key: string): Principal => {
    // looked up by the key's hash, so the look-up's timing says nothing about the key itself
    const found = byHash.get(hashApiKey(key));
    if (!found) throw invalid('the API key is not valid');
    return found;
  };

  // a verified token is remembered until it expires: verifying a signature costs far more than a
  // request's work on the hot path (an HS256 check took about 0.3 ms here), and a browser or a host
  // backend sends the same token many times
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  const userPrincipal = async (token: string): Promise<Principal> => {
    const known = verified.get(token);
    if (known && known.expiresAt > Date.now()) return known.principal;
    if (known) verified.delete(token);
    const principal = await verifyToken(token);
    verified.set(token, principal);
    trimOldest(verified, VERIFIED_TOKENS);
    return principal.principal;
  };

  const verifyToken = async (token: string): Promise<{ principal: Principal; expiresAt: number }> => {
    let payload: Record<string, unknown>;
    let alg: unknown;
    try {
      alg = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'))?.alg;
    } catch {
      throw invalid('the token is not valid: it is not a well-formed JWT');
    }
    const published =
      alg === 'RS256' && !jwt.publicKey && jwt.jwksUrl
        ? await jwksKeys(Date.now()).catch((error: unknown) => {
            throw unavailable('the token keys (API_JWT_JWKS_URL)', error, 30);
          })
        : undefined;
    try {
      if (alg === 'HS256' && hmacSecret) payload = await Jwt.verify(token, hmacSecret, { alg: 'HS256', ...claims });
      else if (alg === 'RS256' && jwt.publicKey) payload = await Jwt.verify(token, jwt.publicKey, { alg: 'RS256', ...claims });
      else if (published) payload = await Jwt.verifyWithJwks(token, { keys: published, allowedAlgorithms: ['RS256'], verification: claims });
      else throw new Error(`tokens signed with ${typeof alg === 'string' ? alg : 'no algorithm'} are not accepted here`);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw invalid(`the token is not valid: ${tokenProblem(error)}`);
    }
    if (typeof payload.exp !== 'number') throw invalid('the token is not valid: it has no exp (expiry) claim');
    const sub = typeof payload.sub === 'string' && /^[1-9]\d{0,9}$/.test(payload.sub) ? Number(payload.sub) : Number.NaN;
    if (!validId(sub)) throw invalid('the token is not valid: its sub claim must be a user id (a positive integer as a string)');
    return { principal: { kind: 'user', userId: sub }, expiresAt: payload.exp * 1000 };
  };

  return {
    async authenticate({ authorization, apiKey }) {
      if (apiKey !== undefined) return keyPrincipal(apiKey);
      if (authorization === undefined) return undefined;
      const match = /^Bearer (\S+)$/i.exec(authorization);
      if (!match) throw invalid('the Authorization header must be "Bearer <token or API key>"');
      const credential = match[1]!;
      return credential.startsWith(API_KEY_PREFIX) ? keyPrincipal(credential) : userPrincipal(credential);
    },
    demoToken: demo
      ? async (userId, now = Date.now()) => {
          const expiresAt = now + demo.hours * 3_600_000;
          const payload = { sub: String(userId), iat: Math.floor(now / 1000), exp: Math.floor(expiresAt / 1000), ...claims };
          return { token: await Jwt.sign(payload, hmacSecret!, 'HS256'), expiresAt };
        }
      : undefined,
  };
}

/** What was wrong with a token, in words (Hono's JWT errors name the case in their class). */
function tokenProblem(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  if (name === 'JwtTokenExpired') return 'it has expired';
  if (name === 'JwtTokenSignatureMismatched') return 'its signature does not match';
  if (name === 'JwtTokenIssuer' || name === 'JwtTokenAudience' || name === 'JwtPayloadRequiresAud') return 'it is for another issuer or audience';
  if (name === 'JwtTokenNotBefore' || name === 'JwtTokenIssuedAt') return 'it is not valid yet';
  if (name === 'JwtTokenInvalid' || name === 'JwtHeaderInvalid' || error instanceof SyntaxError) return 'it is not a well-formed JWT';
  return error instanceof Error ? error.message : String(error);
}
