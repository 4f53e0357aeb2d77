/**
 * Recommendations for a basket (Oryx's anonymous recommendations, Gorse's sessions): movies, with
 * optional ratings, folded in on the fly with the current model's item factors by the speed
 * layer's maths (fold-in.ts), the basket itself excluded. Nothing is stored.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { MAX_RATING, MIN_RATING, validRating } from '../../schemas/rating-rule.ts';
import { ApiError, unavailable } from '../errors.ts';
import { foldIn, recommendFolded } from '../fold-in.ts';
import { movieLinks } from '../recommend.ts';
import { newRouter } from '../router.ts';
import { authorizeAnyone, deps, errors, idField, movieCard, requireKnownGenre, USER_OR_KEY } from './shared.ts';

/** what a movie of the basket counts as when it comes without a rating: liked */
export const BASKET_DEFAULT_RATING = 5;

const Basket = z
  .object({
    items: z
      .array(
        z
          .object({
            movieId: idField('movieId'),
            rating: z
              .number()
              .min(MIN_RATING)
              .max(MAX_RATING)
              .refine(validRating, `rating must be ${MIN_RATING} to ${MAX_RATING} in half steps`)
              .optional()
              .openapi({ description: `default ${BASKET_DEFAULT_RATING} (liked)` }),
          })
          .strict(),
      )
      .min(1, 'items: at least one movie')
      .max(100, 'items: at most 100 movies'),
    limit: z.number().int().min(1).max(100).default(10),
    genre: z.string().max(40).optional(),
  })
  .strict()
  .openapi('Basket');

const route = createRoute({
  method: 'post',
  path: '/recommendations',
  summary: 'Recommendations for a basket of movies (optionally rated), folded in with the current model as the speed layer does; the basket excluded',
  security: USER_OR_KEY,
  request: { body: { content: { 'application/json': { schema: Basket } }, required: true } },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z
            .object({
              source: z.literal('basket'),
              modelVersion: z.string(),
              /** movies of the basket the model knows (the others cannot be folded in) */
              folded: z.number(),
              items: z.array(z.object({ ...movieCard, score: z.number() })),
            })
            .openapi('BasketRecommendations'),
        },
      },
      description: 'recommendations',
    },
    ...errors(400, 401, 403, 413, 503),
  },
});

export function basketRoutes() {
  const app = newRouter();
  app.openapi(route, async (c) => {
    const { items, limit, genre } = c.req.valid('json');
    await authorizeAnyone(c, 'read');
    const { state, factors } = deps(c);
    const catalog = state.catalog();
    requireKnownGenre(catalog, genre);
    const current = state.current();
    if (!current || !factors) throw new ApiError(503, 'no model is current yet', 30);
    const { model } = await factors.get(current.version, current.path).catch((error: unknown) => {
      throw unavailable('the model files (HDFS)', error);
    });
    const ratings = items.map((i) => ({ movieId: i.movieId, rating: i.rating ?? BASKET_DEFAULT_RATING }));
    const user = foldIn(model, ratings);
    const top = recommendFolded(model, user, {
      limit,
      exclude: new Set(ratings.map((r) => r.movieId)),
      keep: (id) => catalog.inGenre(id, genre),
    });
    return c.json(
      {
        source: 'basket' as const,
        modelVersion: current.version,
        folded: user.n,
        items: top.map(({ movieId, score }) => {
          const m = catalog.get(movieId)!;
          return { movieId, title: m.title, year: m.year, genres: m.genres, score, links: movieLinks(m) };
        }),
      },
      200,
    );
  });
  return app;
}
