/**
 * MovieLens `ratings.csv` (userId,movieId,rating,timestamp; timestamp in epoch seconds), read in
 * constant memory. Every bad row is turned into a reject with its line number and reason; the
 * rest of the file goes on.
 */
import fs from 'node:fs';
import { ratingProblem, type RatingClock } from '../schemas/rating-rule.ts';

export const RATINGS_HEADER = 'userId,movieId,rating,timestamp';

export interface RatingRow {
  userId: number;
  movieId: number;
  rating: number;
  /** epoch milliseconds */
  ratedAt: number;
}

export interface Reject {
  /** 1-based line number in the file (the header is line 1) */
  line: number;
  reason: string;
  raw: string;
}

/** The id of a rating is its identity: the same (user, movie, time) always gives the same id. */
export function ratingEventId(userId: number, movieId: number, ratedAt: number): string {
  return `${userId}:${movieId}:${ratedAt}`;
}

const ID = /^\d{1,15}$/;
const SECONDS = /^-?\d{1,12}$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** No limit on how far ahead a time may be: for reading history whose clock is not this machine's. */
export const ANY_TIME: RatingClock = { nowMs: 0, maxFutureSkewMs: Number.POSITIVE_INFINITY };

/** Parses one data line; returns the row, or the reason it is rejected (the rating rule, schemas/rating-rule.ts). */
export function parseRatingLine(raw: string, clock: RatingClock = ANY_TIME): RatingRow | string {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const cols = line.split(',');
  if (cols.length !== 4) return `expected 4 columns (${RATINGS_HEADER}), found ${cols.length}`;
  const [u, m, r, t] = cols as [string, string, string, string];
  if (!ID.test(u)) return `userId is not a positive integer: "${u}"`;
  if (!ID.test(m)) return `movieId is not a positive integer: "${m}"`;
  if (!DECIMAL.test(r)) return `rating is not a number: "${r}"`;
  if (!SECONDS.test(t)) return `timestamp is not an integer (epoch seconds): "${t}"`;
  const row = { userId: Number(u), movieId: Number(m), rating: Number(r), ratedAt: Number(t) * 1000 };
  return ratingProblem(row, clock) ?? row;
}

export interface ReadOptions {
  /** bytes per read; large reads keep the per-line cost low */
  chunkSize?: number;
  signal?: AbortSignal;
}

/**
 * Yields the lines of a file in arrays (one array per chunk read), each with its line number.
 * The header, if present, is skipped; blank lines are reported as rejects by the caller.
 */
export async function* readLines(file: string, { chunkSize = 1 << 20, signal }: ReadOptions = {}): AsyncGenerator<{ first: number; lines: string[] }> {
  const stream = fs.createReadStream(file, { highWaterMark: chunkSize, encoding: 'utf8' });
  let rest = '';
  let lineNo = 0;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      signal?.throwIfAborted();
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      const first = lineNo + 1;
      lineNo += lines.length;
      yield { first, lines };
    }
    if (rest.length > 0) yield { first: lineNo + 1, lines: [rest] };
  } finally {
    stream.destroy();
  }
}

export function isHeader(line: string): boolean {
  return line.replace(/\r$/, '').trim() === RATINGS_HEADER;
}
