/** The ServingStore on Cassandra: prepared statements only, every read paged where it can be long. */
import type cassandra from 'cassandra-driver';
import type { CurrentModel, Movie, OnlineWindow, RecommendationRow, Scored, ServingStore, TrendingRow, UserRating } from './store.ts';
import { servingCql } from '../schemas/cql.ts';

type Row = cassandra.types.Row;
const num = (v: unknown): number => (v == null ? 0 : typeof v === 'number' ? v : Number((v as { toString(): string }).toString()));
const scored = (items: unknown): Scored[] =>
  ((items as { movie_id: unknown; score: number }[] | null) ?? []).map((i) => ({ movieId: num(i.movie_id), score: i.score }));
/** A ranked row's frozen top_items, or items where a row written before that column has none. */
const rankedItems = (r: Pick<Row, 'get'>): Scored[] => scored(r.get('top_items') ?? r.get('items'));
/** A speed or batch row as the store gives it (exported for its unit test). */
export const row = (r: Pick<Row, 'get'> | undefined): RecommendationRow | undefined =>
  r
    ? {
        modelVersion: r.get('model_version'),
        computedAt: (r.get('computed_at') as Date | null)?.getTime() ?? 0,
        // only the speed row's query selects it; rows written before it was added have none
        ratedUntil: (r.get('rated_until') as Date | null | undefined)?.getTime(),
        items: rankedItems(r),
      }
    : undefined;

export function createCassandraStore({
  client,
  trendingWindow,
  onlineWindow = '60m/5m',
}: {
  client: cassandra.Client;
  trendingWindow: string;
  /** the online-eval job's window name, size/slide */
  onlineWindow?: string;
}): ServingStore {
  // every query here reads: idempotent, so when a node dies under one the driver tries it again on
  // another (and speculates after a delay, lib/platform.ts) instead of failing the request
  const prepare = { prepare: true, isIdempotent: true } as const;
  return {
    async currentModel(modelName) {
      const pointer = (await client.execute(servingCql.currentModel, [modelName], prepare)).first();
      if (!pointer) return undefined;
      const version = pointer.get('version') as string;
      const model = (await client.execute(servingCql.model, [modelName, version], prepare)).first();
      return {
        version,
        dataCutoff: (model?.get('data_cutoff') as Date | null)?.getTime() ?? 0,
        path: model?.get('path') ?? '',
        metrics: (model?.get('metrics') as Record<string, number> | null) ?? {},
        switchedAt: (pointer.get('switched_at') as Date | null)?.getTime() ?? null,
      } satisfies CurrentModel;
    },
    async speedRow(userId) {
      return row((await client.execute(servingCql.speedRow, [userId], prepare)).first());
    },
    async batchRow(userId, version) {
      return row((await client.execute(servingCql.batchRow, [userId, version], prepare)).first());
    },
    async *batchRows(version) {
      // pages of 500 rows of up to 100 items; the driver fetches the next page as this one is used
      for await (const r of await client.execute(servingCql.batchRows, [version], { ...prepare, fetchSize: 500 })) {
        yield { userId: num(r.get('user_id')), row: row(r)! };
      }
    },
    async *speedKeys() {
      for await (const r of await client.execute(servingCql.speedKeys, [], { ...prepare, fetchSize: 1000 })) {
        yield { userId: num(r.get('user_id')), computedAt: (r.get('computed_at') as Date | null)?.getTime() ?? 0 };
      }
    },
    async *speedRows() {
      for await (const r of await client.execute(servingCql.speedRows, [], { ...prepare, fetchSize: 500 })) {
        const speed = row(r)!;
        yield { userId: num(r.get('user_id')), computedAt: speed.computedAt, row: speed };
      }
    },
    async userRatings(userId) {
      const out: UserRating[] = [];
      for await (const r of await client.execute(servingCql.userRatings, [userId], {
        ...prepare,
        fetchSize: 5000,
      })) {
        out.push({ movieId: num(r.get('movie_id')), rating: r.get('rating'), ratedAt: (r.get('rated_at') as Date | null)?.getTime() ?? 0 });
      }
      return out;
    },
    async ratedAmong(userId, movieIds) {
      if (movieIds.length === 0) return new Set();
      const rows = await client.execute(servingCql.ratedAmong, [userId, movieIds], prepare);
      return new Set(rows.rows.map((r) => num(r.get('movie_id'))));
    },
    async allMovies() {
      const out: Movie[] = [];
      for await (const r of await client.execute(servingCql.movies, [], {
        ...prepare,
        fetchSize: 5000,
      })) {
        out.push({
          movieId: num(r.get('movie_id')),
          title: r.get('title') ?? '',
          year: r.get('year') ?? null,
          genres: r.get('genres') ?? [],
          imdbId: r.get('imdb_id') ?? null,
          tmdbId: r.get('tmdb_id') == null ? null : num(r.get('tmdb_id')),
          ratingCount: num(r.get('rating_count')),
          ratingMean: r.get('rating_mean') ?? null,
        });
      }
      return out;
    },
    async similar(movieId, version) {
      const r = (await client.execute(servingCql.similar, [movieId, version], prepare)).first();
      return r ? rankedItems(r) : [];
    },
    async trending() {
      const r = (await client.execute(servingCql.trending, [trendingWindow], prepare)).first();
      return r
        ? ({ window: trendingWindow, windowEnd: (r.get('window_end') as Date).getTime(), items: scored(r.get('items')) } satisfies TrendingRow)
        : undefined;
    },
    async onlineHits() {
      const rows = (await client.execute(servingCql.onlineHits, [onlineWindow], prepare)).rows;
      const first = rows[0];
      if (!first) return undefined;
      // newest window first: its rows are the first ones with its end
      const windowEnd = (first.get('window_end') as Date).getTime();
      const rates = rows
        .filter((r) => (r.get('window_end') as Date).getTime() === windowEnd)
        .map((r) => ({
          source: r.get('source') as string,
          modelVersion: r.get('model_version') as string,
          ratings: num(r.get('ratings')),
          hits: num(r.get('hits')),
        }));
      return { window: onlineWindow, windowEnd, rates } satisfies OnlineWindow;
    },
    async ping() {
      await client.execute('SELECT release_version FROM system.local', [], prepare);
    },
    async close() {
      await client.shutdown();
    },
  };
}
