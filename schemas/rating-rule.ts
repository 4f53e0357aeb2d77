/**
 * When a rating is valid, for every TypeScript entry (the CSV reader, the API): the TypeScript owner
 * of the rule whose Java owner is `moviereco.contracts.RatingRule`; both are checked against the
 * same cases (schemas/contracts/ratings.json). Ids are 1..2^31-1 because ALS keys users and movies
 * by 32-bit ints; a time may be at most a configured skew ahead of now, so one bad clock cannot push
 * the trending job's watermark into the future.
 */
import { z } from 'zod';

export const MIN_ID = 1;
export const MAX_ID = 2_147_483_647;
export const MIN_RATING = 0.5;
export const MAX_RATING = 5;
export const MIN_RATED_AT_MS = 0;

export const DEFAULT_MAX_FUTURE_SKEW_MS = 300_000;

/** The one setting of the rule: how far ahead of this machine's clock a rating's time may be. */
export const ratingRuleSettings = {
  RATINGS_MAX_FUTURE_SKEW_MS: z.coerce.number().int().min(0).default(DEFAULT_MAX_FUTURE_SKEW_MS),
};

export interface RatingFields {
  userId: number;
  movieId: number;
  rating: number;
  ratedAt: number;
}

export interface RatingClock {
  nowMs: number;
  maxFutureSkewMs: number;
}

export function validId(id: number): boolean {
  return Number.isInteger(id) && id >= MIN_ID && id <= MAX_ID;
}

export function validRating(rating: number): boolean {
  return rating >= MIN_RATING && rating <= MAX_RATING && Number.isInteger(rating * 2);
}

/** The rating of a deletion (which has none): below every valid rating. */
export const DELETED = 0;

/** Null for a valid rating, else why not (starting with the field's name); checks in the order userId, movieId, rating, ratedAt. */
export function ratingProblem({ userId, movieId, rating, ratedAt }: RatingFields, clock: RatingClock): string | null {
  const ids = idProblem(userId, movieId);
  if (ids) return ids;
  if (!validRating(rating)) return `rating ${rating} is not ${MIN_RATING} to ${MAX_RATING} in half steps`;
  return timeProblem(ratedAt, clock);
}

/** Null for a valid deletion of a rating, else why not: the ids and time of a rating, and the rating DELETED. */
export function deletionProblem({ userId, movieId, rating, ratedAt }: RatingFields, clock: RatingClock): string | null {
  const ids = idProblem(userId, movieId);
  if (ids) return ids;
  if (rating !== DELETED) return `rating ${rating} in a deletion: it must be ${DELETED}`;
  return timeProblem(ratedAt, clock);
}

function idProblem(userId: number, movieId: number): string | null {
  if (!validId(userId)) return `userId ${userId} is not in ${MIN_ID}..${MAX_ID}`;
  if (!validId(movieId)) return `movieId ${movieId} is not in ${MIN_ID}..${MAX_ID}`;
  return null;
}

function timeProblem(ratedAt: number, { nowMs, maxFutureSkewMs }: RatingClock): string | null {
  if (!Number.isInteger(ratedAt) || ratedAt < MIN_RATED_AT_MS) return `ratedAt ${ratedAt} is before 1970`;
  if (ratedAt > nowMs + maxFutureSkewMs) return `ratedAt ${ratedAt} is in the future (after now ${nowMs} + ${maxFutureSkewMs} ms)`;
  return null;
}
