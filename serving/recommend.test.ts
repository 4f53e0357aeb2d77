import { describe, expect, it } from 'vitest';
import { createCatalog, type Catalog } from './catalog.ts';
import {
  chooseRecommendations,
  fillsFromRow,
  movieLinks,
  pickRecommendations,
  rankedOf,
  recommendationsBody,
  recommendationsJson,
  type Recommendations,
} from './recommend.ts';
import type { CurrentModel, Movie, RecommendationRow, UserRating } from './store.ts';

/** The merge as it was before the fragments (commit 9660e9e), the reference the new output must equal; only its calls of the catalogue follow the catalogue's interface. */
function reference(input: {
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
  const source = row === undefined ? 'popular' : row === speed ? 'speed' : 'batch';
  const exclude = new Set(rated.map((r) => r.movieId));
  const items: Recommendations['items'] = [];
  for (const item of row?.items ?? []) {
    if (items.length >= limit) break;
    const movie = catalog.get(item.movieId);
    if (!movie || exclude.has(item.movieId) || (genre && !movie.genres.some((g) => g.toLowerCase() === genre.toLowerCase()))) continue;
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
  for (const movie of catalog.popular(genre, limit - items.length, exclude).map((id) => catalog.get(id)!)) {
    items.push({ movieId: movie.movieId, title: movie.title, year: movie.year, genres: movie.genres, score: null, from: 'popular', links: movieLinks(movie) });
  }
  return { userId, source, modelVersion: current?.version ?? null, computedAt: row ? new Date(row.computedAt).toISOString() : null, items };
}

let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pickOne = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
const GENRES = ['Action', 'Comedy', 'Drama', 'Film-Noir', 'Sci-Fi', '(no genres listed)'];
const TITLES = ['Heat (1995)', "Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", 'The "Quoted" One', 'Back\\slash\ttab', '東京物語 (1953)', 'Emoji 🎬'];

function movies(n: number): Movie[] {
  return Array.from({ length: n }, (_, i) => ({
    movieId: i + 1,
    title: `${pickOne(TITLES)} #${i + 1}`,
    year: random() < 0.1 ? null : 1950 + Math.floor(random() * 70),
    genres: GENRES.filter(() => random() < 0.3),
    imdbId: random() < 0.2 ? null : String(Math.floor(random() * 9_999_999)),
    tmdbId: random() < 0.2 ? null : Math.floor(random() * 999_999),
    ratingCount: Math.floor(random() * 1000),
    ratingMean: random() < 0.1 ? null : 0.5 + random() * 4.5,
  }));
}

/** a row of n movies (some unknown to the catalogue), with float32 scores as CQL `float` gives them */
const row = (version: string, n: number, movieCount: number): RecommendationRow => ({
  modelVersion: version,
  computedAt: 1_700_000_000_000 + Math.floor(random() * 1e9),
  items: Array.from({ length: n }, () => ({ movieId: 1 + Math.floor(random() * (movieCount + 10)), score: Math.fround(random() * 5) })),
});

describe('serving > recommend', () => {
  it('writes, from fragments, byte for byte the JSON the object merge gave', () => {
    const catalog = createCatalog(movies(300));
    const current = { version: 'v7', dataCutoff: 0, path: '', metrics: {}, switchedAt: null };
    for (let n = 0; n < 500; n++) {
      const input = {
        userId: 1 + Math.floor(random() * 200_000),
        current: random() < 0.1 ? undefined : current,
        speed: random() < 0.5 ? row(pickOne(['v7', 'v6']), Math.floor(random() * 100), 300) : undefined,
        batch: random() < 0.7 ? row(pickOne(['v7', 'v7', 'v6']), Math.floor(random() * 100), 300) : undefined,
        rated: Array.from({ length: Math.floor(random() * 30) }, () => ({ movieId: 1 + Math.floor(random() * 300), rating: 4, ratedAt: 0 })),
        catalog,
        genre: random() < 0.4 ? pickOne(GENRES.slice(0, 5)) : undefined,
        limit: 1 + Math.floor(random() * 100),
      };
      const before = JSON.stringify(reference(input));
      expect(JSON.stringify(chooseRecommendations(input))).toBe(before);
      const choice = pickRecommendations({
        current: input.current,
        speed: input.speed && rankedOf(input.speed),
        batch: input.batch && rankedOf(input.batch),
        exclude: new Set(input.rated.map((r) => r.movieId)),
        catalog,
        genre: input.genre,
        limit: input.limit,
      });
      expect(recommendationsJson(input.userId, choice, catalog)).toBe(before);
      expect(JSON.stringify(recommendationsBody(input.userId, choice, catalog))).toBe(before);
    }
  });

  it('counts whether a row fills the page exactly as the pick decides it', () => {
    const catalog = createCatalog(movies(200));
    const current = { version: 'v1', dataCutoff: 0, path: '', metrics: {}, switchedAt: null };
    let short = 0;
    for (let n = 0; n < 2000; n++) {
      // a top-N names each movie once; some are unknown to the catalogue (ids up to 210)
      const ids = [...new Set(Array.from({ length: Math.floor(random() * 40) }, () => 1 + Math.floor(random() * 210)))];
      const batch = { modelVersion: 'v1', computedAt: 0, movieIds: ids, scores: ids.map(() => random()) };
      const exclude = Array.from({ length: Math.floor(random() * 6) }, () => pickOne(ids.length > 0 ? ids : [1]));
      const genre = random() < 0.3 ? pickOne(GENRES.slice(0, 5)) : undefined;
      const limit = 1 + Math.floor(random() * 30);
      const picked = pickRecommendations({ current, speed: undefined, batch, exclude: new Set(exclude), catalog, genre, limit });
      expect(fillsFromRow(batch, exclude, catalog, genre, limit)).toBe(!picked.short);
      if (picked.short) short++;
    }
    // both answers occur often enough to be tested
    expect(short).toBeGreaterThan(200);
    expect(short).toBeLessThan(1800);
  });

  it('says when the row alone does not fill the page', () => {
    const catalog = createCatalog(movies(50));
    const current = { version: 'v1', dataCutoff: 0, path: '', metrics: {}, switchedAt: null };
    const batch = { modelVersion: 'v1', computedAt: 0, movieIds: [1, 2, 3], scores: [3, 2, 1] };
    const pick = (limit: number, exclude: number[] = []) =>
      pickRecommendations({ current, speed: undefined, batch, exclude: new Set(exclude), catalog, limit });
    expect(pick(3)).toMatchObject({ source: 'batch', short: false });
    expect(pick(2, [1])).toMatchObject({ short: false });
    expect(pick(3, [1])).toMatchObject({ short: true });
    expect(pick(3, [1]).picks).toHaveLength(3);
    expect(pickRecommendations({ current: undefined, speed: undefined, batch, exclude: new Set(), catalog, limit: 1 })).toMatchObject({
      source: 'popular',
      short: true,
    });
  });
});
