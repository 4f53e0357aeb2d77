/** The movie catalogue in memory: lookup, search, genres and the popular lists of cold start. */
import type { Movie } from './store.ts';
import { byPopularity } from '../schemas/popularity.ts';

export interface Catalog {
  readonly size: number;
  readonly genres: readonly string[];
  get(movieId: number): Movie | undefined;
  /** title contains every word of `query` (any case), optionally of a genre; most rated first */
  search(query: string, genre: string | undefined, limit: number, offset: number): { total: number; movies: Movie[] };
  /** most-rated movies (of a genre), skipping `exclude` */
  popular(genre: string | undefined, limit: number, exclude?: ReadonlySet<number>): Movie[];
}

export function createCatalog(movies: readonly Movie[]): Catalog {
  const byId = new Map(movies.map((m) => [m.movieId, m]));
  const ranked = [...movies].sort(byPopularity);
  const lowerTitles = new Map(ranked.map((m) => [m.movieId, m.title.toLowerCase()]));
  const genres = [...new Set(movies.flatMap((m) => m.genres))].filter((g) => g !== '(no genres listed)').sort();
  const rankedByGenre = new Map(genres.map((g) => [g.toLowerCase(), ranked.filter((m) => m.genres.includes(g))]));
  const list = (genre: string | undefined) => (genre ? (rankedByGenre.get(genre.toLowerCase()) ?? []) : ranked);

  return {
    size: movies.length,
    genres,
    get: (id) => byId.get(id),
    search(query, genre, limit, offset) {
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      const hits = words.length === 0 ? list(genre) : list(genre).filter((m) => words.every((w) => lowerTitles.get(m.movieId)!.includes(w)));
      return { total: hits.length, movies: hits.slice(offset, offset + limit) };
    },
    popular(genre, limit, exclude) {
      const out: Movie[] = [];
      for (const m of list(genre)) {
        if (out.length >= limit) break;
        if (!exclude?.has(m.movieId)) out.push(m);
      }
      return out;
    },
  };
}

export function hasGenre(movie: Movie | undefined, genre: string | undefined): boolean {
  if (!genre) return true;
  const g = genre.toLowerCase();
  return !!movie?.genres.some((x) => x.toLowerCase() === g);
}
