/** Browse and search movies; one movie with its similar movies; trending movies. */
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../router.ts';
import { ApiError } from '../errors.ts';
import { movieLinks } from '../recommend.ts';
import type { Movie } from '../store.ts';
import { deps, errors, fromStore, idParam, MovieSchema, requireKnownGenre } from './shared.ts';

const view = (m: Movie) => ({
  movieId: m.movieId,
  title: m.title,
  year: m.year,
  genres: m.genres,
  ratingCount: m.ratingCount,
  ratingMean: m.ratingMean,
  links: movieLinks(m),
});

const search = createRoute({
  method: 'get',
  path: '/',
  summary: 'Movies whose title has every word of `search`, of a genre; most rated first',
  request: {
    query: z.object({
      search: z.string().max(100).default(''),
      genre: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(20),
      offset: z.coerce.number().int().min(0).max(100_000).default(0),
    }),
  },
  responses: {
    200: { content: { 'application/json': { schema: z.object({ total: z.number(), movies: z.array(MovieSchema) }) } }, description: 'movies' },
    ...errors(400),
  },
});

const genres = createRoute({
  method: 'get',
  path: '/genres',
  summary: 'Every genre of the catalogue',
  responses: { 200: { content: { 'application/json': { schema: z.object({ genres: z.array(z.string()) }) } }, description: 'genres' } },
});

const trending = createRoute({
  method: 'get',
  path: '/trending',
  summary: 'The most-rated movies of the latest closed event-time window (trending job)',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(10) }) },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: z.object({
            window: z.string().nullable(),
            windowEnd: z.string().nullable(),
            movies: z.array(MovieSchema.extend({ ratingsInWindow: z.number() })),
          }),
        },
      },
      description: 'trending',
    },
    ...errors(400, 503),
  },
});

const one = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A movie, with the movies nearest to it in the current model',
  request: { params: z.object({ id: idParam('id', '1') }) },
  responses: {
    200: {
      content: {
        'application/json': {
          schema: MovieSchema.extend({ modelVersion: z.string().nullable(), similar: z.array(MovieSchema.extend({ similarity: z.number() })) }),
        },
      },
      description: 'the movie',
    },
    ...errors(400, 404, 503),
  },
});

export function movieRoutes() {
  const app = newRouter();

  app.openapi(search, (c) => {
    const { search: q, genre, limit, offset } = c.req.valid('query');
    const catalog = deps(c).state.catalog();
    requireKnownGenre(catalog, genre);
    const { total, movies } = catalog.search(q, genre, limit, offset);
    return c.json({ total, movies: movies.map(view) }, 200);
  });

  app.openapi(genres, (c) => c.json({ genres: [...deps(c).state.catalog().genres] }, 200));

  app.openapi(trending, async (c) => {
    const { limit } = c.req.valid('query');
    const { store, state } = deps(c);
    const row = await fromStore('Cassandra', () => store.trending());
    const catalog = state.catalog();
    const movies = (row?.items ?? []).flatMap((i) => {
      const m = catalog.get(i.movieId);
      return m ? [{ ...view(m), ratingsInWindow: i.score }] : [];
    });
    return c.json({ window: row?.window ?? null, windowEnd: row ? new Date(row.windowEnd).toISOString() : null, movies: movies.slice(0, limit) }, 200);
  });

  app.openapi(one, async (c) => {
    const { id } = c.req.valid('param');
    const { store, state } = deps(c);
    const catalog = state.catalog();
    const movie = catalog.get(id);
    if (!movie) throw new ApiError(404, `no movie ${id}`);
    const current = state.current();
    const similar = current ? await fromStore('Cassandra', () => store.similar(id, current.version)) : [];
    return c.json(
      {
        ...view(movie),
        modelVersion: current?.version ?? null,
        similar: similar.flatMap((s) => {
          const m = catalog.get(s.movieId);
          return m ? [{ ...view(m), similarity: s.score }] : [];
        }),
      },
      200,
    );
  });

  return app;
}
