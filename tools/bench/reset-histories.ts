/**
 * Puts users' `user_ratings` histories back to the dataset's, so that every benchmark run starts
 * from the same histories. The speed layer keeps every rating it folds in (the job writes its row),
 * so without this each run's ratings lengthen the histories the next run seeds and folds in: after
 * a day of freshness runs at 32M the 15 busiest background users held 3,400–38,500 ratings each
 * (the dataset's mean is 160), and the history folded in per event had grown some seventyfold.
 *
 * One pass over the dataset's ratings.csv keeps the rows of the chosen users; each user's partition
 * is deleted (one partition tombstone, cheap to read past) and its rows written again in unlogged
 * batches of one partition.
 */
import type { Client } from 'cassandra-driver';
import { parseRatingLine, readLines } from '../../ingest/ratings-csv.ts';
import { keyspaceCql } from '../../schemas/cql.ts';

/** rows per batch: one partition, well under Cassandra's batch-size warning (5 KB) */
const BATCH_ROWS = 100;
/** requests in flight */
const IN_FLIGHT = 32;

export interface ResetSummary {
  users: number;
  rows: number;
  seconds: number;
}

/** The dataset's rows of `users` (all users when undefined), by user. */
export async function datasetHistories(
  ratingsFile: string,
  users?: ReadonlySet<number>,
): Promise<Map<number, { movieIds: number[]; ratings: number[]; ratedAt: number[] }>> {
  const byUser = new Map<number, { movieIds: number[]; ratings: number[]; ratedAt: number[] }>();
  for await (const { lines } of readLines(ratingsFile)) {
    for (const line of lines) {
      // the user id first, so that the other users' lines cost one slice
      const comma = line.indexOf(',');
      const userId = Number(line.slice(0, comma));
      if (!(userId > 0) || (users && !users.has(userId))) continue;
      const row = parseRatingLine(line);
      if (typeof row === 'string') continue; // the dataset's own rejects were never loaded
      let h = byUser.get(userId);
      if (!h) {
        h = { movieIds: [], ratings: [], ratedAt: [] };
        byUser.set(userId, h);
      }
      h.movieIds.push(row.movieId);
      h.ratings.push(row.rating);
      h.ratedAt.push(row.ratedAt);
    }
  }
  return byUser;
}

/** Resets the histories of `users` (every user of the file when undefined) in `keyspace`. */
export async function resetHistories(cql: Client, keyspace: string, ratingsFile: string, users?: ReadonlySet<number>): Promise<ResetSummary> {
  const started = performance.now();
  const { deleteUserRatings, insertUserRating } = keyspaceCql(keyspace);
  const histories = await datasetHistories(ratingsFile, users);
  const chosen = [...(users ?? histories.keys())];
  // every delete before any insert, so that no delete can land after a row it should keep
  await inFlight(chosen.map((userId) => () => cql.execute(deleteUserRatings, [userId], { prepare: true })));
  const inserts: (() => Promise<unknown>)[] = [];
  let rows = 0;
  for (const userId of chosen) {
    const h = histories.get(userId);
    if (!h) continue;
    rows += h.movieIds.length;
    for (let i = 0; i < h.movieIds.length; i += BATCH_ROWS) {
      const queries: { query: string; params: unknown[] }[] = [];
      for (let j = i; j < Math.min(h.movieIds.length, i + BATCH_ROWS); j++)
        queries.push({ query: insertUserRating, params: [userId, h.movieIds[j], h.ratings[j], new Date(h.ratedAt[j]!)] });
      inserts.push(() => cql.batch(queries, { prepare: true, logged: false }));
    }
  }
  await inFlight(inserts);
  return { users: users?.size ?? histories.size, rows, seconds: (performance.now() - started) / 1000 };
}

/** Runs the tasks in order, IN_FLIGHT at a time. */
async function inFlight(tasks: readonly (() => Promise<unknown>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}
