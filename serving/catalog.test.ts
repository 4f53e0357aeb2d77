import { describe, expect, it } from 'vitest';
import { byPopularity } from '../schemas/popularity.ts';
import { createCatalog } from './catalog.ts';
import type { Movie } from './store.ts';

/** The catalogue as it was held before the columns (one object per movie), the reference the columns must answer as. */
function reference(movies: readonly Movie[]) {
  const ranked = [...movies].sort(byPopularity);
  const has = (m: Movie, genre: string | undefined) => !genre || m.genres.some((g) => g.toLowerCase() === genre.toLowerCase());
  const genres = [...new Set(movies.flatMap((m) => m.genres))].filter((g) => g !== '(no genres listed)').sort();
  // a genre not listed (unknown, or "(no genres listed)") lists no movie
  const list = (genre: string | undefined) =>
    genre && !genres.some((g) => g.toLowerCase() === genre.toLowerCase()) ? [] : ranked.filter((m) => has(m, genre));
  return {
    genres,
    get: (id: number) => movies.find((m) => m.movieId === id),
    inGenre: (id: number, genre: string | undefined) => movies.some((m) => m.movieId === id && has(m, genre)),
    search(query: string, genre: string | undefined, limit: number, offset: number) {
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      const hits = list(genre).filter((m) => words.every((w) => m.title.toLowerCase().includes(w)));
      return { total: hits.length, movies: hits.slice(offset, offset + limit) };
    },
    popular: (genre: string | undefined, limit: number, exclude?: ReadonlySet<number>) =>
      list(genre)
        .filter((m) => !exclude?.has(m.movieId))
        .slice(0, limit)
        .map((m) => m.movieId),
  };
}

let seed = 7;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pickOne = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
const GENRES = ['Action', 'Comedy', 'Drama', 'drama', 'Film-Noir', 'Sci-Fi', '(no genres listed)'];
// lowercasing İ gives two code units, so a title's lowercase may be longer than the title
const WORDS = ['Heat', 'heat', 'İstanbul', 'Amélie', '東京物語', '🎬', 'The', 'a', 'Le', '(1995)', 'x\ty', 'Back\\slash', '"Quoted"'];

function movies(n: number): Movie[] {
  const ids = new Set<number>();
  while (ids.size < n) ids.add(1 + Math.floor(random() * 10 * n));
  return [...ids].map((movieId) => ({
    movieId,
    title: Array.from({ length: 1 + Math.floor(random() * 4) }, () => pickOne(WORDS)).join(' '),
    year: random() < 0.1 ? null : 1950 + Math.floor(random() * 70),
    genres: GENRES.filter(() => random() < 0.3).sort(() => random() - 0.5),
    imdbId: random() < 0.2 ? null : String(Math.floor(random() * 9_999_999)).padStart(7, '0'),
    tmdbId: random() < 0.2 ? null : Math.floor(random() * 999_999),
    ratingCount: Math.floor(random() * 50),
    ratingMean: random() < 0.1 ? null : 0.5 + random() * 4.5,
  }));
}

describe('serving > catalog', () => {
  const all = movies(400);
  const catalog = createCatalog(all);
  const ref = reference(all);
  const queries = ['', 'heat', 'HEAT the', 'i̇stanbul', 'istanbul', 'amélie le', '東京', '🎬', 'a a', 'e', '1995)', 'slash', '"quoted"', 'x', 'nothing-like-it'];
  const genres = [undefined, 'Drama', 'drama', 'sci-fi', '(no genres listed)', 'Western'];

  it('gives back every movie as it came in, and nothing for ids it does not hold', () => {
    for (const m of all) {
      expect(catalog.get(m.movieId)).toEqual(m);
      expect(catalog.has(m.movieId)).toBe(true);
    }
    for (const id of [0, -1, 10 * all.length + 1, 2 ** 31, 1.5, Number.NaN]) {
      expect(catalog.get(id)).toBeUndefined();
      expect(catalog.has(id)).toBe(false);
      expect(catalog.inGenre(id, undefined)).toBe(false);
    }
    expect(catalog.size).toBe(all.length);
    expect(catalog.genres).toEqual(ref.genres);
  });

  it('answers genre, search and popular as the object catalogue did', () => {
    for (const genre of genres) {
      for (const m of all) expect(catalog.inGenre(m.movieId, genre), `${m.movieId} ${genre}`).toBe(ref.inGenre(m.movieId, genre));
      for (const q of queries)
        for (const [limit, offset] of [
          [20, 0],
          [5, 3],
          [100, 90],
        ] as const)
          expect(catalog.search(q, genre, limit, offset), `${q} ${genre}`).toEqual(ref.search(q, genre, limit, offset));
      const exclude = new Set(all.filter(() => random() < 0.3).map((m) => m.movieId));
      for (const limit of [0, 1, 10, 500]) {
        expect(catalog.popular(genre, limit)).toEqual(ref.popular(genre, limit));
        expect(catalog.popular(genre, limit, exclude)).toEqual(ref.popular(genre, limit, exclude));
      }
    }
    // the search found something for most queries: the comparison above is not of empty lists only
    expect(queries.filter((q) => catalog.search(q, undefined, 10, 0).total > 0).length).toBeGreaterThan(10);
  });

  it('is empty before a catalogue is read', () => {
    const empty = createCatalog([]);
    expect(empty.size).toBe(0);
    expect(empty.genres).toEqual([]);
    expect(empty.search('heat', undefined, 10, 0)).toEqual({ total: 0, movies: [] });
    expect(empty.popular(undefined, 10)).toEqual([]);
  });
});
