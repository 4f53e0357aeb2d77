/**
 * The serving layer's edge: what the API reads and writes, as one small interface. The Cassandra
 * implementation is `cassandra-store.ts`; the in-process route tests use `memory-store.ts`.
 */

import type { MovieRow } from '../schemas/cql.ts';
import type { RatingAction } from '../schemas/types.ts';

/** A movie with the batch layer's statistics (`rating_count`, `rating_mean`). */
export interface Movie extends MovieRow {
  ratingCount: number;
  ratingMean: number | null;
}

export interface Scored {
  movieId: number;
  score: number;
}

export interface CurrentModel {
  version: string;
  dataCutoff: number;
  /** where the model's files are, e.g. hdfs://host:9000/models/als/<version> */
  path: string;
  metrics: Record<string, number>;
  switchedAt: number | null;
}

export interface RecommendationRow {
  modelVersion: string;
  computedAt: number;
  /** speed rows: the newest rating (or deletion) time the row folds in; unset for batch rows and older speed rows */
  ratedUntil?: number | undefined;
  items: Scored[];
}

export interface UserRating {
  movieId: number;
  rating: number;
  ratedAt: number;
}

export interface TrendingRow {
  window: string;
  windowEnd: number;
  items: Scored[];
}

/** One source's and model version's ratings and hits in a window of the online evaluation. */
export interface OnlineRate {
  source: string;
  modelVersion: string;
  ratings: number;
  hits: number;
}

/** The newest closed window of the online evaluation (the online-eval job). */
export interface OnlineWindow {
  window: string;
  windowEnd: number;
  rates: OnlineRate[];
}

export interface ServingStore {
  /** the current model of a model name, or undefined before the first batch */
  currentModel(modelName: string): Promise<CurrentModel | undefined>;
  speedRow(userId: number): Promise<RecommendationRow | undefined>;
  batchRow(userId: number, version: string): Promise<RecommendationRow | undefined>;
  /** every batch row of a version, in pages (the API's batch view loads them once per switch) */
  batchRows(version: string): AsyncIterable<{ userId: number; row: RecommendationRow }>;
  /** every speed row's user and computedAt, without its items (the speed view's index) */
  speedKeys(): AsyncIterable<{ userId: number; computedAt: number }>;
  /** every speed row, items and all, in pages (the speed view's first scan after a start or a switch) */
  speedRows(): AsyncIterable<{ userId: number; computedAt: number; row: RecommendationRow }>;
  userRatings(userId: number): Promise<UserRating[]>;
  /** which of `movieIds` the user has rated (one partition slice, however long the history) */
  ratedAmong(userId: number, movieIds: readonly number[]): Promise<Set<number>>;
  /** every movie: the API keeps the catalogue in memory */
  allMovies(): Promise<Movie[]>;
  similar(movieId: number, version: string): Promise<Scored[]>;
  trending(): Promise<TrendingRow | undefined>;
  /** the newest window of the online evaluation, or undefined before its first */
  onlineHits(): Promise<OnlineWindow | undefined>;
  /** answers when the store answers */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A rating (RATE), or the withdrawal of one (DELETE, rating 0, ratedAt the time of the deletion). */
export interface RatingEvent {
  eventId: string;
  userId: number;
  movieId: number;
  rating: number;
  ratedAt: number;
  action: RatingAction;
}

/** Where a rating (or its deletion) posted to the API goes (Kafka `ratings`). */
export interface RatingEvents {
  /**
   * Resolves once the event is acknowledged, rejects once it has failed for good (refused, or the
   * producer closed before Kafka took it). It does not time out on the caller's schedule: how long
   * to wait for it is the caller's choice (the API answers 503 after API_PUBLISH_TIMEOUT_MS), and
   * the outcome can still be observed afterwards.
   */
  publish(event: RatingEvent): Promise<void>;
  close(): Promise<void>;
}
