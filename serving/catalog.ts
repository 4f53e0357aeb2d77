/**
 * The movie catalogue in memory: lookup, search, genres and the popular lists of cold start.
 *
 * Held as columns, not as one object per movie: ml-32m's 87,585 movies as objects (each with its
 * title, genres array and strings) were about 790,000 of the API's 1.37 million heap objects, all
 * of which every major GC marks, and under load that marking took the cores the answers needed
 * (docs/benchmarks.md, 2026-12-04 evening). Here the texts are one string per column with offsets,
 * the numbers typed arrays, a movie's genres indexes into the catalogue's genre names, so the
 * whole catalogue is a few dozen objects. `get` builds a `Movie` when a route shows one; the hot
 * path asks `has`, `inGenre` and `popular` (ids), which build nothing.
 */
import type { Movie } from './store.ts';
import { byPopularity } from '../schemas/popularity.ts';

export interface Catalog {
  readonly size: number;
  /** the genres a request may name (sorted, without "(no genres listed)") */
  readonly genres: readonly string[];
  /** the movie, built from the columns (a new object each call), or undefined if not in the catalogue */
  get(movieId: number): Movie | undefined;
  has(movieId: number): boolean;
  /** the movie is in the catalogue and, when `genre` is given, of that genre (any case) */
  inGenre(movieId: number, genre: string | undefined): boolean;
  /** title contains every word of `query` (any case), optionally of a genre; most rated first */
  search(query: string, genre: string | undefined, limit: number, offset: number): { total: number; movies: Movie[] };
  /** ids of the most-rated movies (of a genre), skipping `exclude` */
  popular(genre: string | undefined, limit: number, exclude?: ReadonlySet<number>): number[];
}

const NO_GENRES = '(no genres listed)';

/** Strings packed into one: `at(i)` slices it (null where the value was null). */
function packStrings(values: readonly (string | null)[]) {
  const starts = new Uint32Array(values.length + 1);
  const nulls = new Uint8Array(values.length);
  let length = 0;
  values.forEach((v, i) => {
    starts[i] = length;
    if (v === null) nulls[i] = 1;
    else length += v.length;
  });
  starts[values.length] = length;
  const text = values.map((v) => v ?? '').join('');
  return {
    text,
    starts,
    at: (i: number): string | null => (nulls[i] ? null : text.slice(starts[i], starts[i + 1])),
  };
}

/** the row of the last start at or before `position` */
function rowAt(starts: Uint32Array, rows: number, position: number): number {
  let lo = 0;
  let hi = rows - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= position) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const nullable = (x: number) => (Number.isNaN(x) ? null : x);

export function createCatalog(movies: readonly Movie[]): Catalog {
  // rows in the popular order: row r is the r-th most rated movie
  const ranked = [...movies].sort(byPopularity);
  const n = ranked.length;
  const rowOf = new Map<number, number>();
  const ids = new Int32Array(n);
  const years = new Float64Array(n);
  const tmdbIds = new Float64Array(n);
  const counts = new Float64Array(n);
  const means = new Float64Array(n);
  ranked.forEach((m, r) => {
    rowOf.set(m.movieId, r);
    ids[r] = m.movieId;
    years[r] = m.year ?? Number.NaN;
    tmdbIds[r] = m.tmdbId ?? Number.NaN;
    counts[r] = m.ratingCount;
    means[r] = m.ratingMean ?? Number.NaN;
  });
  const titles = packStrings(ranked.map((m) => m.title));
  const imdbIds = packStrings(ranked.map((m) => m.imdbId));
  // titles lowercased, one per line (a query word has no white space, so it never spans two)
  const lower = packStrings(ranked.map((m) => `${m.title.toLowerCase()}\n`));

  // genres: each movie's as indexes into `names`, in the movie's own order
  const names: string[] = [];
  const indexOf = new Map<string, number>();
  const genreStarts = new Uint32Array(n + 1);
  const genreList: number[] = [];
  ranked.forEach((m, r) => {
    genreStarts[r] = genreList.length;
    for (const g of m.genres) {
      let i = indexOf.get(g);
      if (i === undefined) {
        i = names.length;
        names.push(g);
        indexOf.set(g, i);
      }
      genreList.push(i);
    }
  });
  genreStarts[n] = genreList.length;
  const genreOf = Int32Array.from(genreList);
  const lowerNames = names.map((g) => g.toLowerCase());
  const rowHasGenre = (r: number, g: string) => {
    for (let k = genreStarts[r]!; k < genreStarts[r + 1]!; k++) if (lowerNames[genreOf[k]!] === g) return true;
    return false;
  };

  const genres = names.filter((g) => g !== NO_GENRES).sort();
  const all = Int32Array.from({ length: n }, (_, r) => r);
  const rankedByGenre = new Map<string, Int32Array>();
  for (const g of new Set(genres.map((x) => x.toLowerCase())))
    rankedByGenre.set(
      g,
      all.filter((r) => rowHasGenre(r, g)),
    );
  const list = (genre: string | undefined) => (genre ? (rankedByGenre.get(genre.toLowerCase()) ?? new Int32Array(0)) : all);

  const movieAt = (r: number): Movie => ({
    movieId: ids[r]!,
    title: titles.at(r)!,
    year: nullable(years[r]!),
    genres: Array.from(genreOf.subarray(genreStarts[r], genreStarts[r + 1]), (i) => names[i]!),
    imdbId: imdbIds.at(r),
    tmdbId: nullable(tmdbIds[r]!),
    ratingCount: counts[r]!,
    ratingMean: nullable(means[r]!),
  });

  return {
    size: n,
    genres,
    get(id) {
      const r = rowOf.get(id);
      return r === undefined ? undefined : movieAt(r);
    },
    has: (id) => rowOf.has(id),
    inGenre(id, genre) {
      const r = rowOf.get(id);
      return r !== undefined && (!genre || rowHasGenre(r, genre.toLowerCase()));
    },
    search(query, genre, limit, offset) {
      const words = [...new Set(query.toLowerCase().split(/\s+/).filter(Boolean))];
      let rows = list(genre);
      if (words.length > 0) {
        // per row, how many of the words its title holds: after a hit, each word looks on from the next title
        const found = new Uint16Array(n);
        for (const w of words) {
          for (let p = lower.text.indexOf(w); p !== -1; ) {
            const r = rowAt(lower.starts, n, p);
            found[r]!++;
            p = lower.text.indexOf(w, lower.starts[r + 1]);
          }
        }
        rows = rows.filter((r) => found[r] === words.length);
      }
      return { total: rows.length, movies: Array.from(rows.subarray(offset, offset + limit), movieAt) };
    },
    popular(genre, limit, exclude) {
      const out: number[] = [];
      for (const r of list(genre)) {
        if (out.length >= limit) break;
        const id = ids[r]!;
        if (!exclude?.has(id)) out.push(id);
      }
      return out;
    },
  };
}
