/** What the route files share: id parameters, the response schemas of movies, and dependency guards. */
import { z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { AppEnv } from '../router.ts';
import type { Catalog } from '../catalog.ts';
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

export const errors = (...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 429 | 503)[]) =>
  Object.fromEntries(statuses.map((s) => [s, { content: { 'application/json': { schema: ErrorSchema } }, description: DESCRIPTIONS[s] }]));

const DESCRIPTIONS = {
  400: 'invalid request',
  401: 'not signed in',
  403: 'signed in as another user, or admin credential missing',
  404: 'no such movie',
  409: 'the Idempotency-Key was used for another rating',
  413: 'request body too large',
  429: 'too many ratings; see Retry-After',
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

/** The signed-in user of the request (Authorization: Bearer <token>), else 401. */
export function signedInUser(c: Context<AppEnv>): number {
  const header = c.req.header('authorization');
  const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined;
  const user = deps(c).sessions.verify(token);
  if (user === undefined)
    throw new ApiError(
      401,
      token ? 'the session token is invalid or expired; sign in again' : 'sign in first: POST /session, then send Authorization: Bearer <token>',
    );
  return user;
}

/** A genre filter must name a genre of the catalogue (any case); else 400 listing the known ones. */
export function requireKnownGenre(catalog: Catalog, genre: string | undefined): void {
  if (genre && !catalog.genres.some((g) => g.toLowerCase() === genre.toLowerCase()))
    throw new ApiError(400, `unknown genre ${genre}; known: ${catalog.genres.join(', ')}`);
}

/**
 * A 200 whose JSON is already written (the recommendations, from per-movie fragments), typed as
 * the `c.json(body, 200)` it equals, which a test checks byte for byte.
 */
export function prebuiltJson<T>(c: Context<AppEnv>, json: string): Response & TypedResponse<T, 200, 'json'> {
  return c.body(json, 200, { 'content-type': 'application/json' }) as unknown as Response & TypedResponse<T, 200, 'json'>;
}
