/**
 * The merge of the views, as a pure function: the speed row when it belongs to the current model,
 * else the current model's batch row, else popular movies (cold start). Movies the user rated
 * never appear (the user's ratings are read with the rows, so a rating newer than both rows is
 * honoured too); a genre filters the rows and popular movies of that genre fill what is missing.
 */
import { hasGenre, type Catalog } from './catalog.ts';
import type { CurrentModel, Movie, RecommendationRow, UserRating } from './store.ts';

export type Source = 'speed' | 'batch' | 'popular';

export interface RecommendedMovie {
  movieId: number;
  title: string;
  year: number | null;
  genres: string[];
  score: number | null;
  /** which view the movie came from: a page filled up with popular movies says so per movie */
  from: Source;
  links: { imdb: string | null; tmdb: string | null };
}

export interface Recommendations {
  userId: number;
  source: Source;
  modelVersion: string | null;
  computedAt: string | null;
  items: RecommendedMovie[];
}

export function movieLinks(m: Movie): RecommendedMovie['links'] {
  return {
    imdb: m.imdbId ? `https://www.imdb.com/title/tt${m.imdbId.padStart(7, '0')}/` : null,
    tmdb: m.tmdbId ? `https://www.themoviedb.org/movie/${m.tmdbId}` : null,
  };
}

export function chooseRecommendations(input: {
  userId: number;
  current: CurrentModel | undefined;
  speed: RecommendationRow | undefined;
  batch: RecommendationRow | undefined;
  rated: readonly UserRating[];
  catalog: Catalog;
  genre?: string;
  limit: number;
}): Recommendations {
  const { userId, current, speed, batch, rated, catalog, genre, limit } = input;
  const row =
    current && speed && speed.modelVersion === current.version ? speed : current && batch && batch.modelVersion === current.version ? batch : undefined;
  const source: Source = row === undefined ? 'popular' : row === speed ? 'speed' : 'batch';
  const exclude = new Set(rated.map((r) => r.movieId));
  const items: RecommendedMovie[] = [];
  for (const item of row?.items ?? []) {
    if (items.length >= limit) break;
    const movie = catalog.get(item.movieId);
    if (!movie || exclude.has(item.movieId) || !hasGenre(movie, genre)) continue;
    exclude.add(item.movieId);
    items.push({
      movieId: movie.movieId,
      title: movie.title,
      year: movie.year,
      genres: movie.genres,
      score: item.score,
      from: source,
      links: movieLinks(movie),
    });
  }
  for (const movie of catalog.popular(genre, limit - items.length, exclude)) {
    items.push({ movieId: movie.movieId, title: movie.title, year: movie.year, genres: movie.genres, score: null, from: 'popular', links: movieLinks(movie) });
  }
  return {
    userId,
    source,
    modelVersion: current?.version ?? null,
    computedAt: row ? new Date(row.computedAt).toISOString() : null,
    items,
  };
}

/** The user's rated movies most like `movieId`: cosine of item factors, best first. */
export function explain(
  target: Float32Array | undefined,
  factorsOf: (movieId: number) => Float32Array | undefined,
  rated: readonly UserRating[],
  n = 3,
): { movieId: number; rating: number; similarity: number }[] {
  if (!target) return [];
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  const targetNorm = norm(target);
  return rated
    .filter((r) => r.rating >= 3.5)
    .flatMap((r) => {
      const v = factorsOf(r.movieId);
      if (!v) return [];
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i]! * target[i]!;
      return [{ movieId: r.movieId, rating: r.rating, similarity: dot / (norm(v) * targetNorm) }];
    })
    .sort((a, b) => b.similarity - a.similarity || b.rating - a.rating)
    .slice(0, n);
}
