/** Sign-in, a user's recommendations (with explanations) and ratings. */
import { createRoute, z } from '@hono/zod-openapi';
import { invalidRequest, newRouter } from '../router.ts';
import { ApiError, unavailable } from '../errors.ts';
import { explain, fillsFromRow, pickRecommendations, rankedOf, recommendationsJson, type RankedRow, type Recommendations } from '../recommend.ts';
import type { BatchView } from '../batch-view.ts';
import type { IdempotencyKeys } from '../idempotency.ts';
import type { RecentRatings } from '../recent-ratings.ts';
import type { WriteLimits } from '../rate-limit.ts';
import type { Principal } from '../auth.ts';
import { authorize, clientAddress, deps, errors, fromStore, idField, idParam, movieCard, prebuiltJson, requireKnownGenre, USER_OR_KEY } from './shared.ts';
import { DELETED, MAX_RATING, MIN_RATING, validRating } from '../../schemas/rating-rule.ts';

const RecommendationsSchema = z
  .object({
    userId: z.number(),
    source: z
      .enum(['speed', 'batch', 'popular'])
      .openapi({ description: 'which view served: the speed row of the current model, its batch row, or popular movies (cold start)' }),
    modelVersion: z.string().nullable(),
    computedAt: z.string().nullable(),
    items: z.array(z.object({ ...movieCard, score: z.number().nullable(), from: z.enum(['speed', 'batch', 'popular']) })),
  })
  .openapi('Recommendations');

/** Set on an answer from the user's last known speed row: the read of the current one was late or failed (speed-view.ts). */
export const STALE_HEADER = 'X-Recommendations-Stale';
const STALE_REASON = 'speed row not read in time; served the one held before the latest ratings';
const STALE_DOC = `present when the speed row could not be read within API_STALE_AFTER_MS (Cassandra slow or down): the answer comes from the user's last known speed row, which may not yet reflect their latest ratings (those posted through this API are still left out); value: "${STALE_REASON}"`;

const RatingSchema = z.object({ movieId: z.number(), title: z.string().nullable(), rating: z.number(), ratedAt: z.string() }).openapi('Rating');

const NewRating = z
  .object({
    movieId: idField('movieId'),
    rating: z.number().min(MIN_RATING).max(MAX_RATING).refine(validRating, `rating must be ${MIN_RATING} to ${MAX_RATING} in half steps (0.5, 1.0, … 5.0)`),
  })
  .strict()
  .openapi('NewRating');

const session = createRoute({
  method: 'post',
  path: '/session',
  summary: 'Demo mode only: a user token for any user id, no credential asked (403 outside demo mode)',
  request: { body: { content: { 'application/json': { schema: z.object({ userId: idField('userId') }).strict() } }, required: true } },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ userId: z.number(), token: z.string(), expiresAt: z.string() }) } }, description: 'signed in' },
    ...errors(400, 403, 413, 429),
  },
});

const RecommendationsParams = z.object({ id: idParam('id', '42') });
const RecommendationsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  genre: z.string().max(40).optional(),
});
/** The hot route's path and query as one object, checked in one synchronous parse (see its handler). */
const RecommendationsInput = RecommendationsParams.extend(RecommendationsQuery.shape);

const recommendations = createRoute({
  method: 'get',
  path: '/users/{id}/recommendations',
  summary: "A user's recommendations: speed row of the current model, else batch row, else popular",
  request: { params: RecommendationsParams, query: RecommendationsQuery },
  security: USER_OR_KEY,
  responses: {
    200: {
      content: { 'application/json': { schema: RecommendationsSchema } },
      headers: z.object({ [STALE_HEADER]: z.string().optional().openapi({ description: STALE_DOC }) }),
      description: 'recommendations',
    },
    ...errors(400, 401, 403, 503),
  },
});

const explanation = createRoute({
  method: 'get',
  path: '/users/{id}/recommendations/{movieId}/explanation',
  summary: "Which of the user's well-rated movies a movie is closest to (cosine of item factors)",
  request: { params: z.object({ id: idParam('id', '42'), movieId: idParam('movieId', '1') }) },
  security: USER_OR_KEY,
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z.object({
            userId: z.number(),
            movieId: z.number(),
            modelVersion: z.string(),
            because: z.array(z.object({ movieId: z.number(), title: z.string().nullable(), rating: z.number(), similarity: z.number() })),
          }),
        },
      },
      description: 'explanation',
    },
    ...errors(400, 401, 403, 404, 503),
  },
});

const listRatings = createRoute({
  method: 'get',
  path: '/users/{id}/ratings',
  summary: "A user's ratings, newest first",
  request: { params: z.object({ id: idParam('id', '42') }) },
  security: USER_OR_KEY,
  responses: {
    200: { content: { 'application/json': { schema: z.object({ userId: z.number(), ratings: z.array(RatingSchema) }) } }, description: 'ratings' },
    ...errors(400, 401, 403, 503),
  },
});

/** A client-chosen key that makes a retried rating POST the same rating (see the route's description). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._~:-]{1,100}$/;

const rate = createRoute({
  method: 'post',
  path: '/users/{id}/ratings',
  summary: "Rate a movie: the user's own token, or an API key with the write scope; a RatingEvent to Kafka",
  description: [
    'With an `Idempotency-Key` header, a retry of the same request is the same rating: the eventId is `api:<userId>:<key>`,',
    'ratedAt is the time of the first attempt, and a repeat (while the first is in flight, or after it was accepted) answers',
    'the same 202 without a second event; the same key with another body is 409. Keys are remembered per API process for',
    'API_IDEMPOTENCY_TTL_MS. After a 503, retry with the same key. Without a key, a 503 leaves it unknown whether the rating',
    'was recorded, and a retry is a second rating: such a POST is at most once only if it is not retried.',
  ].join(' '),
  security: USER_OR_KEY,
  request: {
    params: z.object({ id: idParam('id', '42') }),
    headers: z.object({
      'idempotency-key': z
        .string()
        .regex(IDEMPOTENCY_KEY, 'Idempotency-Key must be 1 to 100 characters of A-Z a-z 0-9 . _ ~ : -')
        .optional()
        .openapi({
          param: { name: 'idempotency-key', in: 'header' },
          description: 'a client-chosen key (e.g. a UUID), the same on every retry of this rating',
          example: '0b6e3c1a-5f0e-4c4e-9a57-8f4b8f9f2d11',
        }),
    }),
    body: { content: { 'application/json': { schema: NewRating } }, required: true },
  },
  responses: {
    202: {
      content: { 'application/json': { schema: z.object({ eventId: z.string(), userId: z.number(), movieId: z.number(), rating: z.number() }) } },
      description: 'accepted: on its way through Kafka (a repeat of an accepted Idempotency-Key gets the same body)',
    },
    ...errors(400, 401, 403, 404, 409, 413, 429, 503),
  },
});

const unrate = createRoute({
  method: 'delete',
  path: '/users/{id}/ratings/{movieId}',
  summary: "Withdraw a rating: the user's own token, or an API key with the write scope; a RatingEvent with action DELETE to Kafka",
  description: [
    'The speed layer folds the user in again without the movie (it may then be recommended again) and deletes the',
    "user's user_ratings row, about as soon as a rating is served; the archive keeps the deletion and the next batch run",
    'drops the pair. The latest event per user and movie wins (a rating posted later brings the movie back). Deleting a',
    'rating the user never made is harmless: the answer is the same 202.',
  ].join(' '),
  security: USER_OR_KEY,
  request: { params: z.object({ id: idParam('id', '42'), movieId: idParam('movieId', '318') }) },
  responses: {
    202: {
      content: { 'application/json': { schema: z.object({ eventId: z.string(), userId: z.number(), movieId: z.number(), deletedAt: z.string() }) } },
      description: 'accepted: the deletion is on its way through Kafka',
    },
    ...errors(400, 401, 403, 404, 429, 503),
  },
});

/** A rating or a deletion counts against the principal's write limit: 429 with Retry-After past it. */
function checkRatingLimit(limits: WriteLimits, principal: Principal, userId: number): void {
  const wait = limits.rating(principal);
  if (wait > 0)
    throw new ApiError(
      429,
      `too many ratings from ${principal.kind === 'user' ? `user ${userId}` : `API key ${principal.name}`}; try again in ${wait} s`,
      wait,
    );
}

/**
 * The send's outcome, or 503 once `timeoutMs` passed without Kafka's acknowledgement (the send is
 * not aborted: `advice` tells the client what to do) or when it failed.
 */
async function acknowledged<T>(delivery: Promise<T>, timeoutMs: number, advice: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([delivery, timeout]);
    if (outcome === 'timeout') throw new ApiError(503, `Kafka did not acknowledge within ${timeoutMs} ms; ${advice}`, 5);
    return outcome;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw unavailable('Kafka', error);
  } finally {
    clearTimeout(timer);
  }
}

export function userRoutes({ idempotency, batchView, recent }: { idempotency: IdempotencyKeys; batchView: BatchView; recent: RecentRatings }) {
  const app = newRouter();

  app.openapi(session, async (c) => {
    const { userId } = c.req.valid('json');
    const { auth, limits } = deps(c);
    if (!auth.demoToken)
      throw new ApiError(403, 'demo sign-in is off: the host application signs user tokens (docs/security.md); API_DEMO=true turns it on, for demos only');
    const wait = limits.signIn(clientAddress(c));
    if (wait > 0) throw new ApiError(429, `too many sign-ins; try again in ${wait} s`, wait);
    const { token, expiresAt } = await auth.demoToken(userId);
    return c.json({ userId, token, expiresAt: new Date(expiresAt).toISOString() }, 200);
  });

  // The hot path (docs/serving.md, "One read per request"): the batch row comes from the batch
  // view (read once per user and model version), so a request reads only the speed row. A row
  // already excludes what the user rated (the speed row up to its computation, the batch row up to
  // the model's cutoff) and `recent` what they posted here since. The user's ratings are read only
  // when popular movies fill the page of a user who has a row, as the popular list knows nothing
  // of them: beside the speed row when the held batch row predicts it, else after it.
  //
  // Its path and query are the route's schemas (the OpenAPI document describes them as for any
  // route), checked in one synchronous parse: @hono/zod-openapi's validators, one per part, each
  // asynchronous and each reading the Content-Type header (which makes the Node adapter build a
  // fetch Headers of the request), took about a tenth of the route's CPU (docs/benchmarks.md,
  // 2026-12-04). A repeated query parameter counts once, its first value.
  app.openAPIRegistry.registerPath(recommendations);
  app.get('/users/:id/recommendations', async (c) => {
    const input = RecommendationsInput.safeParse({ id: c.req.param('id'), limit: c.req.query('limit'), genre: c.req.query('genre') });
    if (!input.success) return invalidRequest(c, input.error.issues);
    const { id, limit, genre } = input.data;
    await authorize(c, 'read', id);
    const { store, state, speedView, config } = deps(c);
    const catalog = state.catalog();
    requireKnownGenre(catalog, genre);
    const current = state.current();
    // the speed row: from the speed view when it holds it (no read), else read; a read that is
    // late or fails gives way to the user's last known row, said in a header
    let stale = false;
    const readSpeed = async (): Promise<RankedRow | null> => {
      if (!speedView) return store.speedRow(id).then((r) => (r ? rankedOf(r) : null));
      const got = await speedView.getWithin(id, current?.version, () => store.speedRow(id), config.staleAfterMs);
      stale = got.stale;
      return got.row;
    };
    const candidates = (row: RankedRow | undefined) => [...new Set([...Array.from(row?.movieIds ?? []), ...catalog.popular(genre, limit * 2)])];
    const held = current ? batchView.peek(id, current.version) : null;
    const fillLikely =
      !!held && !fillsFromRow(held, recent.pending(id, { dataCutoff: current?.dataCutoff, speedComputedAt: undefined }), catalog, genre, limit);
    const [speedRow, batch, ratedEarly] = await fromStore('Cassandra', () =>
      Promise.all([
        readSpeed(),
        held !== undefined ? held : current ? batchView.get(id, current.version, () => store.batchRow(id, current.version)) : null,
        fillLikely && held ? store.ratedAmong(id, candidates(held)) : undefined,
      ]),
    );
    const speed = speedRow ?? undefined;
    const posted = recent.pending(id, {
      dataCutoff: current?.dataCutoff,
      speedComputedAt: current && speedRow?.modelVersion === current.version ? speedRow.computedAt : undefined,
    });
    const pick = (rated: Iterable<number>) =>
      pickRecommendations({ current, speed, batch: batch ?? undefined, exclude: new Set([...posted, ...rated]), catalog, genre, limit });
    let choice = pick(ratedEarly ?? []);
    // under a current model, a user with no row at all has no rating the system knows of, but
    // those posted here (before the first model, the speed layer writes no rows: read)
    if (choice.short && ratedEarly === undefined && (choice.source !== 'popular' || speedRow !== null || !current)) {
      const row = choice.source === 'speed' ? speed : choice.source === 'batch' ? (batch ?? undefined) : undefined;
      const rated = await fromStore('Cassandra', () => store.ratedAmong(id, candidates(row)));
      choice = pick(rated);
    }
    return prebuiltJson<Recommendations>(recommendationsJson(id, choice, catalog), stale ? { [STALE_HEADER]: STALE_REASON } : {});
  });

  app.openapi(explanation, async (c) => {
    const { id, movieId } = c.req.valid('param');
    await authorize(c, 'read', id);
    const { store, state, factors } = deps(c);
    const catalog = state.catalog();
    if (!catalog.has(movieId)) throw new ApiError(404, `no movie ${movieId}`);
    const current = state.current();
    if (!current || !factors) throw new ApiError(503, 'no model is current yet', 30);
    const [rated, model] = await Promise.all([
      fromStore('Cassandra', () => store.userRatings(id)),
      factors.get(current.version, current.path).catch((error: unknown) => {
        throw unavailable('the model files (HDFS)', error);
      }),
    ]);
    const because = explain(model.get(movieId), (m) => model.get(m), rated).map((b) => ({ ...b, title: catalog.get(b.movieId)?.title ?? null }));
    return c.json({ userId: id, movieId, modelVersion: current.version, because }, 200);
  });

  app.openapi(listRatings, async (c) => {
    const { id } = c.req.valid('param');
    await authorize(c, 'read', id);
    const { store, state } = deps(c);
    // without the ratings deleted here that the speed layer may not have deleted yet (read-your-writes)
    const rated = (await fromStore('Cassandra', () => store.userRatings(id))).filter((r) => !recent.hides(id, r.movieId, r.ratedAt));
    const catalog = state.catalog();
    const ratings = rated
      .sort((a, b) => b.ratedAt - a.ratedAt)
      .map((r) => ({ movieId: r.movieId, title: catalog.get(r.movieId)?.title ?? null, rating: r.rating, ratedAt: new Date(r.ratedAt).toISOString() }));
    return c.json({ userId: id, ratings }, 200);
  });

  app.openapi(rate, async (c) => {
    const { id } = c.req.valid('param');
    const principal = await authorize(c, 'write', id);
    const { movieId, rating } = c.req.valid('json');
    const key = c.req.valid('header')['idempotency-key'];
    const { events, state, limits, metrics, config } = deps(c);
    if (!state.catalog().get(movieId)) throw new ApiError(404, `no movie ${movieId}`);

    // Everything from the look-up of the key to `begin` is synchronous: of concurrent requests
    // with one key, exactly one starts the send and the others find it pending.
    const slot = key === undefined ? undefined : `${id}:${key}`;
    const fingerprint = JSON.stringify([movieId, rating]);
    const known = slot === undefined ? undefined : idempotency.get(slot);
    if (known && known.fingerprint !== fingerprint)
      throw new ApiError(409, `Idempotency-Key ${key} was used for another rating (movie ${JSON.parse(known.fingerprint)[0]}); use a new key for a new rating`);
    if (known?.state === 'accepted') return c.json(known.body, 202);
    const delivery =
      known?.state === 'pending'
        ? known.delivery
        : (() => {
            if (slot !== undefined && !idempotency.reserve(slot)) throw new ApiError(503, 'too many ratings in flight; try again shortly', 1);
            checkRatingLimit(limits, principal, id);
            // a retry after a failure keeps the eventId and the time of the first attempt
            const ratedAt = known?.ratedAt ?? Date.now();
            const eventId = key === undefined ? `${id}:${movieId}:${ratedAt}` : `api:${id}:${key}`;
            const body = { eventId, userId: id, movieId, rating };
            // excluded from this user's recommendations from now on (read-your-writes, recent-ratings.ts)
            recent.record(id, movieId, ratedAt);
            const sending = events.publish({ eventId, userId: id, movieId, rating, ratedAt, action: 'RATE' }).then(
              () => {
                metrics.count('ratings_published_total', 'Ratings the API produced to Kafka.');
                if (slot !== undefined) idempotency.settle(slot, { body });
                return body;
              },
              (error: unknown) => {
                if (slot !== undefined) idempotency.settle(slot, { failed: true });
                throw error;
              },
            );
            // observed even when this request has stopped waiting for it (see below)
            sending.catch(() => undefined);
            if (slot !== undefined) idempotency.begin(slot, fingerprint, ratedAt, sending);
            return sending;
          })();

    // A send that is not acknowledged within API_PUBLISH_TIMEOUT_MS gets 503, but it is not
    // aborted: a produce request already on its way cannot be recalled, so aborting would leave its
    // outcome unknown all the same. The send goes on (the producer keeps retrying it, see
    // kafka-events.ts) and its outcome is recorded under the key: a retry with the same key waits
    // for that same send, gets 202 once it is acknowledged, and sends again only if it failed.
    const outcome = await acknowledged(
      delivery,
      config.publishTimeoutMs,
      key === undefined ? 'the rating may or may not be recorded' : 'retry with the same Idempotency-Key',
    );
    return c.json(outcome, 202);
  });

  app.openapi(unrate, async (c) => {
    const { id, movieId } = c.req.valid('param');
    const principal = await authorize(c, 'write', id);
    const { events, state, limits, metrics, config } = deps(c);
    if (!state.catalog().get(movieId)) throw new ApiError(404, `no movie ${movieId}`);
    checkRatingLimit(limits, principal, id);
    const deletedAt = Date.now();
    const eventId = `${id}:${movieId}:${deletedAt}:delete`;
    const sending = events.publish({ eventId, userId: id, movieId, rating: DELETED, ratedAt: deletedAt, action: 'DELETE' }).then(() => {
      // once Kafka has it: a movie rated here moments ago is no longer kept out of this user's
      // recommendations, and no longer listed among their ratings (read-your-writes)
      recent.forget(id, movieId, deletedAt);
      metrics.count('ratings_deleted_total', 'Rating deletions the API produced to Kafka.');
      return { eventId, userId: id, movieId, deletedAt: new Date(deletedAt).toISOString() };
    });
    sending.catch(() => undefined);
    // a deletion is idempotent in effect: after a 503, simply delete again
    return c.json(await acknowledged(sending, config.publishTimeoutMs, 'delete again'), 202);
  });

  return app;
}
