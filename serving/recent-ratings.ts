/**
 * Read-your-writes for ratings posted through this API process: the movies a user rated here
 * recently, excluded from their next responses until the rows served account for them. A speed
 * row excludes every movie the user rated up to when it was computed, and a batch row every movie
 * rated before its model's data cutoff; until a speed row of the current model computed at least
 * `settleMs` after the post has been seen (or the current model's cutoff passes the post), or
 * until `ttlMs`, the post is kept here. Bounded: at most `maxUsers` users (the least recently
 * posting go first) and `perUser` posts each (the oldest go first).
 *
 * Per process: a rating posted to another API process is not known here, and is excluded once the
 * speed layer's row includes it (about 200 ms after the post, docs/speed.md).
 *
 * The same for deletions: a rating the user deleted here is hidden from their ratings until the
 * speed layer has deleted its row (`hides`), for `ttlMs` at most; at most `maxUsers` users.
 */
import { trimOldest } from '../lib/bounded-map.ts';

export interface RecentRatings {
  record(userId: number, movieId: number, ratedAt: number): void;
  /**
   * the user deleted their rating of the movie at `deletedAt`: it is no longer to be excluded, and
   * their stored rating of it up to that time is hidden (`hides`)
   */
  forget(userId: number, movieId: number, deletedAt: number): void;
  /** whether a stored rating (of `ratedAt`) is one the user deleted here since */
  hides(userId: number, movieId: number, ratedAt: number): boolean;
  /**
   * The movies `userId` posted here that the rows may not account for yet, given the current
   * model's data cutoff and the computedAt of the user's speed row of that model, if any; posts
   * they account for, or older than the TTL, are forgotten.
   */
  pending(userId: number, seen: { dataCutoff: number | undefined; speedComputedAt: number | undefined }): readonly number[];
  users(): number;
}

const NONE: readonly number[] = Object.freeze([]);

export function createRecentRatings({
  maxUsers = 100_000,
  ttlMs = 600_000,
  perUser = 256,
  settleMs = 1000,
  now = Date.now,
}: {
  maxUsers?: number;
  ttlMs?: number;
  perUser?: number;
  /**
   * how long after a post a speed row must have been computed to be taken as including it: a row
   * computed in between may come from a solve that ran before the post reached the speed layer
   */
  settleMs?: number;
  now?: () => number;
} = {}): RecentRatings {
  /** user → posts, oldest first; users in order of their last post */
  const byUser = new Map<number, { movieId: number; ratedAt: number }[]>();
  /** user → movie → when deleted; users in order of their last deletion */
  const deletions = new Map<number, Map<number, number>>();

  return {
    record(userId, movieId, ratedAt) {
      const posts = byUser.get(userId) ?? [];
      byUser.delete(userId);
      posts.push({ movieId, ratedAt });
      if (posts.length > perUser) posts.shift();
      byUser.set(userId, posts);
      trimOldest(byUser, maxUsers);
    },
    forget(userId, movieId, deletedAt) {
      const posts = byUser.get(userId);
      if (posts) {
        const left = posts.filter((p) => p.movieId !== movieId);
        if (left.length === 0) byUser.delete(userId);
        else byUser.set(userId, left);
      }
      const movies = deletions.get(userId) ?? new Map<number, number>();
      deletions.delete(userId);
      movies.set(movieId, deletedAt);
      if (movies.size > perUser) movies.delete(movies.keys().next().value!);
      deletions.set(userId, movies);
      trimOldest(deletions, maxUsers);
    },
    hides(userId, movieId, ratedAt) {
      const deletedAt = deletions.get(userId)?.get(movieId);
      if (deletedAt === undefined) return false;
      if (deletedAt < now() - ttlMs) {
        deletions.get(userId)!.delete(movieId);
        return false;
      }
      // of the same time, the deletion wins (as in Cassandra)
      return ratedAt <= deletedAt;
    },
    pending(userId, { dataCutoff, speedComputedAt }) {
      const posts = byUser.get(userId);
      if (!posts) return NONE;
      const coveredUntil = Math.max(
        dataCutoff ?? Number.NEGATIVE_INFINITY,
        speedComputedAt === undefined ? Number.NEGATIVE_INFINITY : speedComputedAt - settleMs,
      );
      const expired = now() - ttlMs;
      const left = posts.filter((p) => p.ratedAt > coveredUntil && p.ratedAt > expired);
      if (left.length === 0) {
        byUser.delete(userId);
        return NONE;
      }
      if (left.length !== posts.length) byUser.set(userId, left);
      return left.map((p) => p.movieId);
    },
    users: () => Math.max(byUser.size, deletions.size),
  };
}
