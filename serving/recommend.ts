/**
 * The merge of the views, as pure functions: the speed row when it belongs to the current model,
 * else the current model's batch row, else popular movies (cold start). Movies in `exclude` (what
 * the caller knows the user rated that the row may not account for) never appear; a genre filters
 * the row and popular movies of that genre fill what is missing. `pickRecommendations` chooses;
 * `recommendationsJson` writes the response from per-movie JSON fragments built once per
 * catalogue, and `recommendationsBody` the same as objects (the JSON is `JSON.stringify` of it).
 */
import type { Catalog } from './catalog.ts';
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

/** A row of recommendations as parallel arrays (the batch view's form; `rankedOf` makes one of a row read). */
export interface RankedRow {
  modelVersion: string;
  computedAt: number;
  /** speed rows: the newest rating time folded in (RecommendationRow.ratedUntil) */
  ratedUntil?: number | undefined;
  movieIds: ArrayLike<number>;
  scores: ArrayLike<number>;
}

/** A row as the in-process views hold it: movie ids as Int32, scores as Float32 (what CQL `float` holds, so nothing changes). */
export const compactRow = (row: RecommendationRow): RankedRow => {
  // ids and scores in one buffer: one allocation per row, not two (72,000 rows of 100 took 133 MB
  // of RSS this way, 152 MB with a buffer each)
  const n = row.items.length;
  const buffer = new ArrayBuffer(n * 8);
  const movieIds = new Int32Array(buffer, 0, n);
  const scores = new Float32Array(buffer, n * 4, n);
  for (let i = 0; i < n; i++) {
    movieIds[i] = row.items[i]!.movieId;
    scores[i] = row.items[i]!.score;
  }
  return { modelVersion: row.modelVersion, computedAt: row.computedAt, ratedUntil: row.ratedUntil, movieIds, scores };
};

export const rankedOf = (row: RecommendationRow): RankedRow => ({
  modelVersion: row.modelVersion,
  computedAt: row.computedAt,
  ratedUntil: row.ratedUntil,
  movieIds: row.items.map((i) => i.movieId),
  scores: row.items.map((i) => i.score),
});

export interface Choice {
  source: Source;
  modelVersion: string | null;
  /** of the row served, ms */
  computedAt: number | null;
  picks: { movieId: number; score: number | null; from: Source }[];
  /** the row alone did not fill the page: popular movies filled it (or there was no row) */
  short: boolean;
}

export function movieLinks(m: Movie): RecommendedMovie['links'] {
  return {
    imdb: m.imdbId ? `https://www.imdb.com/title/tt${m.imdbId.padStart(7, '0')}/` : null,
    tmdb: m.tmdbId ? `https://www.themoviedb.org/movie/${m.tmdbId}` : null,
  };
}

export function pickRecommendations(input: {
  current: CurrentModel | undefined;
  speed: RankedRow | undefined;
  batch: RankedRow | undefined;
  exclude: ReadonlySet<number>;
  catalog: Catalog;
  genre?: string;
  limit: number;
}): Choice {
  const { current, speed, batch, catalog, genre, limit } = input;
  const row =
    current && speed && speed.modelVersion === current.version ? speed : current && batch && batch.modelVersion === current.version ? batch : undefined;
  const source: Source = row === undefined ? 'popular' : row === speed ? 'speed' : 'batch';
  const exclude = new Set(input.exclude);
  const picks: Choice['picks'] = [];
  if (row) {
    for (let i = 0; i < row.movieIds.length && picks.length < limit; i++) {
      const movieId = row.movieIds[i]!;
      if (exclude.has(movieId) || !catalog.inGenre(movieId, genre)) continue;
      exclude.add(movieId);
      picks.push({ movieId, score: row.scores[i]!, from: source });
    }
  }
  const short = picks.length < limit;
  if (short) for (const movieId of catalog.popular(genre, limit - picks.length, exclude)) picks.push({ movieId, score: null, from: 'popular' });
  return { source, modelVersion: current?.version ?? null, computedAt: row ? row.computedAt : null, picks, short };
}

/**
 * Whether `row` alone fills a page of `limit` (no popular movies needed), as `pickRecommendations`
 * would pick from it, counted without building the page: the hot path asks it of every held
 * batch row. `exclude` is short (a user's posts not yet in the row). A row names each movie once
 * (a top-N); a movie named twice would be counted twice.
 */
export function fillsFromRow(row: RankedRow, exclude: readonly number[], catalog: Catalog, genre: string | undefined, limit: number): boolean {
  let n = 0;
  for (let i = 0; i < row.movieIds.length && n < limit; i++) {
    const movieId = row.movieIds[i]!;
    if (!exclude.includes(movieId) && catalog.inGenre(movieId, genre)) n++;
  }
  return n >= limit;
}

export function recommendationsBody(userId: number, choice: Choice, catalog: Catalog): Recommendations {
  return {
    userId,
    source: choice.source,
    modelVersion: choice.modelVersion,
    computedAt: choice.computedAt === null ? null : new Date(choice.computedAt).toISOString(),
    items: choice.picks.map(({ movieId, score, from }) => {
      const movie = catalog.get(movieId)!;
      return { movieId: movie.movieId, title: movie.title, year: movie.year, genres: movie.genres, score, from, links: movieLinks(movie) };
    }),
  };
}

/** per catalogue (a new one per load): per movie, its JSON before the score and its links after it */
const fragments = new WeakMap<Catalog, Map<number, { head: string; tail: string }>>();

function fragmentOf(catalog: Catalog, movieId: number): { head: string; tail: string } {
  let byMovie = fragments.get(catalog);
  if (!byMovie) {
    byMovie = new Map();
    fragments.set(catalog, byMovie);
  }
  let f = byMovie.get(movieId);
  if (!f) {
    const m = catalog.get(movieId)!;
    f = {
      head: `{"movieId":${JSON.stringify(m.movieId)},"title":${JSON.stringify(m.title)},"year":${JSON.stringify(m.year)},"genres":${JSON.stringify(m.genres)},"score":`,
      tail: `,"links":${JSON.stringify(movieLinks(m))}}`,
    };
    byMovie.set(movieId, f);
  }
  return f;
}

/** `JSON.stringify(recommendationsBody(...))`, by concatenating per-movie fragments. */
export function recommendationsJson(userId: number, choice: Choice, catalog: Catalog): string {
  let items = '';
  for (const { movieId, score, from } of choice.picks) {
    const f = fragmentOf(catalog, movieId);
    // JSON.stringify, not String: String keeps each score's text in V8's number-to-string cache,
    // where it outlives two scavenges (promoted, then a major GC's work); JSON.stringify gives the
    // same text
    items += `${items === '' ? '' : ','}${f.head}${score !== null && Number.isFinite(score) ? JSON.stringify(score) : 'null'},"from":"${from}"${f.tail}`;
  }
  const computedAt = choice.computedAt === null ? 'null' : `"${new Date(choice.computedAt).toISOString()}"`;
  return `{"userId":${JSON.stringify(userId)},"source":"${choice.source}","modelVersion":${JSON.stringify(choice.modelVersion)},"computedAt":${computedAt},"items":[${items}]}`;
}

/** The merge with everything the user rated excluded, as objects (the speed report uses it). */
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
  const choice = pickRecommendations({
    current,
    speed: speed && rankedOf(speed),
    batch: batch && rankedOf(batch),
    exclude: new Set(rated.map((r) => r.movieId)),
    catalog,
    genre,
    limit,
  });
  return recommendationsBody(userId, choice, catalog);
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
