/** A ServingStore in memory: the in-process route tests and the API's own unit tests use it. */
import type {
  CurrentModel,
  Movie,
  OnlineWindow,
  RatingEvent,
  RatingEvents,
  RecommendationRow,
  Scored,
  ServingStore,
  TrendingRow,
  UserRating,
} from './store.ts';

export interface MemoryData {
  current?: CurrentModel;
  movies: Movie[];
  speed: Map<number, RecommendationRow>;
  batch: Map<number, RecommendationRow>;
  ratings: Map<number, UserRating[]>;
  similar: Map<number, Scored[]>;
  trending?: TrendingRow;
  online?: OnlineWindow;
  /** set to make every call fail, as a store that is down does */
  down?: Error;
}

export function createMemoryStore(data: MemoryData): ServingStore {
  const up = async () => {
    if (data.down) throw data.down;
  };
  return {
    currentModel: async () => {
      await up();
      return data.current;
    },
    speedRow: async (u) => {
      await up();
      return data.speed.get(u);
    },
    batchRow: async (u, v) => {
      await up();
      return data.batch.get(u)?.modelVersion === v ? data.batch.get(u) : undefined;
    },
    async *batchRows(v) {
      await up();
      for (const [userId, row] of data.batch) if (row.modelVersion === v) yield { userId, row };
    },
    async *speedKeys() {
      await up();
      for (const [userId, row] of data.speed) yield { userId, computedAt: row.computedAt };
    },
    async *speedRows() {
      await up();
      for (const [userId, row] of data.speed) yield { userId, computedAt: row.computedAt, row };
    },
    userRatings: async (u) => {
      await up();
      return data.ratings.get(u) ?? [];
    },
    ratedAmong: async (u, ids) => {
      await up();
      return new Set((data.ratings.get(u) ?? []).map((r) => r.movieId).filter((m) => ids.includes(m)));
    },
    allMovies: async () => {
      await up();
      return data.movies;
    },
    similar: async (m) => {
      await up();
      return data.similar.get(m) ?? [];
    },
    trending: async () => {
      await up();
      return data.trending;
    },
    onlineHits: async () => {
      await up();
      return data.online;
    },
    ping: up,
    close: async () => {},
  };
}

export function createMemoryEvents(): RatingEvents & { published: RatingEvent[]; down?: Error; hold?: Promise<void> } {
  const events = {
    published: [] as RatingEvent[],
    /** set to make every publish fail, as Kafka down does */
    down: undefined as Error | undefined,
    /** set to keep publishes unacknowledged until it resolves (then `down` decides) */
    hold: undefined as Promise<void> | undefined,
    async publish(event: RatingEvent) {
      if (events.hold) await events.hold;
      if (events.down) throw events.down;
      events.published.push(event);
    },
    async close() {},
  };
  return events;
}
