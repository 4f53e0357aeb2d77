/** What the route files share: id parameters, the response schemas of movies, and dependency guards. */
import type { IncomingMessage } from 'node:http';
import { z } from '@hono/zod-openapi';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, TypedResponse } from 'hono';
import type { Principal, Scope } from '../auth.ts';
import type { AppEnv } from '../router.ts';
import type { Catalog } from '../catalog.ts';
import { securedBody } from '../security-headers.ts';
import { ApiError, unavailable } from '../errors.ts';
import { MAX_ID, MIN_ID, validId } from '../../schemas/rating-rule.ts';

/** An id in the path: an integer in the ids' range of the rating rule (1..2^31-1). */
export const idParam = (name: string, example: string) =>
  z
    .string()
    .regex(/^[1-9]\d{0,9}$/, `${name} must be a positive integer`)
    .transform(Number)
    .refine(validId, `${name} must be at most ${MAX_ID}`)
    .openapi({ param: { name, in: 'path' }, example });

/** An id in a body, with the same range. */
export const idField = (name: string) =>
  z.number().int(`${name} must be an integer`).min(MIN_ID, `${name} must be at least ${MIN_ID}`).max(MAX_ID, `${name} must be at most ${MAX_ID}`);

export const ErrorSchema = z.object({ error: z.object({ status: z.number(), message: z.string(), issues: z.array(z.string()).optional() }) }).openapi('Error');

export const LinksSchema = z.object({ imdb: z.string().nullable(), tmdb: z.string().nullable() });

/** What every list of movies shows of one (recommendations, a basket's): `{ ...movieCard, score, ... }`. */
export const movieCard = {
  movieId: z.number(),
  title: z.string(),
  year: z.number().nullable(),
  genres: z.array(z.string()),
  links: LinksSchema,
};

export const MovieSchema = z
  .object({
    movieId: z.number(),
    title: z.string(),
    year: z.number().nullable(),
    genres: z.array(z.string()),
    ratingCount: z.number(),
    ratingMean: z.number().nullable(),
    links: LinksSchema,
  })
  .openapi('Movie');

/** The OpenAPI security of a user's routes: their own token, or an API key with the scope (app.ts registers the schemes). */
export const USER_OR_KEY: Record<string, string[]>[] = [{ userToken: [] }, { apiKey: [] }];
export const KEY_ONLY: Record<string, string[]>[] = [{ apiKey: [] }];

export const errors = (...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 429 | 503)[]) =>
  Object.fromEntries(statuses.map((s) => [s, { content: { 'application/json': { schema: ErrorSchema } }, description: DESCRIPTIONS[s] }]));

const DESCRIPTIONS = {
  400: 'invalid request',
  401: 'no credential, or one that is not valid (expired, forged, unknown key)',
  403: "the credential does not allow it: another user's data, or an API key without the scope",
  404: 'no such movie',
  409: 'the Idempotency-Key was used for another rating',
  413: 'request body too large',
  429: 'too many writes; see Retry-After',
  503: 'a dependency is down or no model yet; see Retry-After',
} as const;

/** Runs a store call; a store that does not answer becomes 503 with Retry-After. */
export async function fromStore<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw unavailable(what, error);
  }
}

export function deps(c: Context<AppEnv>) {
  return c.get('deps');
}

/**
 * A caller that may act with `scope` without a user of its own (the basket route): any user's
 * token, or an API key with the scope. No credential: 401; a key without the scope: 403.
 */
export async function authorizeAnyone(c: Context<AppEnv>, scope: Scope): Promise<Principal> {
  const principal = await deps(c).auth.authenticate({ authorization: requestHeader(c, 'authorization'), apiKey: requestHeader(c, 'x-api-key') });
  if (!principal) throw new ApiError(401, 'credentials needed: Authorization: Bearer <user token>, or an API key (X-API-Key or Authorization: Bearer mrk_...)');
  if (principal.kind === 'key' && !principal.scopes.has(scope)) throw new ApiError(403, `API key ${principal.name} has no ${scope} scope`);
  return principal;
}

/**
 * The caller, if allowed to act with `scope` (on `userId`'s data): a user token for that user, or
 * an API key with the scope. No credential: 401; a credential that does not allow it: 403.
 */
export async function authorize(c: Context<AppEnv>, scope: Scope, userId?: number): Promise<Principal> {
  const principal = await authorizeAnyone(c, scope);
  if (principal.kind === 'user') {
    if (scope === 'admin') throw new ApiError(403, 'admin routes need an API key with the admin scope');
    if (principal.userId !== userId) throw new ApiError(403, `signed in as user ${principal.userId}; a user reads and writes only their own data`);
  }
  return principal;
}

/**
 * A request header (`name` in lower case). Served by @hono/node-server, from Node's own request:
 * `c.req.header()` makes the adapter build a fetch `Headers` of every header first, a cost on
 * each request of the hot path (docs/serving.md). In-process (`app.request`), from the Request.
 */
export function requestHeader(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For entry. */
export function clientAddress(c: Context<AppEnv>): string {
  if (deps(c).config.trustProxy) {
    const forwarded = requestHeader(c, 'x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served over a socket (app.request in tests)
  }
}

/** A genre filter must name a genre of the catalogue (any case); else 400 listing the known ones. */
export function requireKnownGenre(catalog: Catalog, genre: string | undefined): void {
  if (genre && !catalog.genres.some((g) => g.toLowerCase() === genre.toLowerCase()))
    throw new ApiError(400, `unknown genre ${genre}; known: ${catalog.genres.join(', ')}`);
}

/**
 * A 200 whose JSON is already written (the recommendations, from per-movie fragments), typed as
 * the `c.json(body, 200)` it equals, which a test checks byte for byte; with the security headers
 * in it (security-headers.ts), and `headers` (not those set with `c.header()`).
 */
export function prebuiltJson<T>(json: string, headers: Record<string, string> = {}): Response & TypedResponse<T, 200, 'json'> {
  return securedBody(json, { ...headers, 'content-type': 'application/json' }) as unknown as Response & TypedResponse<T, 200, 'json'>;
}
